package servicelinks

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func svc(ns, name, ip string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
}

func TestEnv(t *testing.T) {
	hello := svc("default", "hello-web", "10.96.0.12", corev1.ServicePort{Name: "http", Port: 8080},
		corev1.ServicePort{Name: "dns-udp", Port: 53, Protocol: corev1.ProtocolUDP})
	master := svc("default", "kubernetes", "10.96.0.1", corev1.ServicePort{Name: "https", Port: 443})
	other := svc("team", "db", "10.96.0.20", corev1.ServicePort{Port: 5432})
	headless := svc("default", "peers", "None", corev1.ServicePort{Port: 80})
	noLinks := false
	cases := []struct {
		name string
		pod  *corev1.Pod
		want map[string]string
		none []string
	}{
		{name: "the namespace's services and the master",
			pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default"}},
			want: map[string]string{
				"HELLO_WEB_SERVICE_HOST": "10.96.0.12", "HELLO_WEB_SERVICE_PORT": "8080",
				"HELLO_WEB_SERVICE_PORT_HTTP": "8080", "HELLO_WEB_SERVICE_PORT_DNS_UDP": "53",
				"HELLO_WEB_PORT": "tcp://10.96.0.12:8080", "HELLO_WEB_PORT_8080_TCP": "tcp://10.96.0.12:8080",
				"HELLO_WEB_PORT_8080_TCP_PROTO": "tcp", "HELLO_WEB_PORT_8080_TCP_PORT": "8080",
				"HELLO_WEB_PORT_8080_TCP_ADDR": "10.96.0.12", "HELLO_WEB_PORT_53_UDP": "udp://10.96.0.12:53",
				"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443",
				"KUBERNETES_SERVICE_PORT_HTTPS": "443", "KUBERNETES_PORT": "tcp://10.96.0.1:443"},
			none: []string{"DB_SERVICE_HOST", "PEERS_SERVICE_HOST"}},
		{name: "another namespace sees its own and the master",
			pod:  &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team"}},
			want: map[string]string{"DB_SERVICE_HOST": "10.96.0.20", "DB_SERVICE_PORT": "5432", "KUBERNETES_SERVICE_HOST": "10.96.0.1"},
			none: []string{"HELLO_WEB_SERVICE_HOST"}},
		{name: "enableServiceLinks false keeps the master only",
			pod:  &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default"}, Spec: corev1.PodSpec{EnableServiceLinks: &noLinks}},
			want: map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1"},
			none: []string{"HELLO_WEB_SERVICE_HOST"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[string]string{}
			env := Env(c.pod, []*corev1.Service{hello, master, other, headless})
			for i, e := range env {
				if i > 0 && env[i-1].Name >= e.Name {
					t.Fatalf("not sorted at %s", e.Name)
				}
				got[e.Name] = e.Value
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			for _, k := range c.none {
				if _, ok := got[k]; ok {
					t.Errorf("%s set", k)
				}
			}
		})
	}
}
