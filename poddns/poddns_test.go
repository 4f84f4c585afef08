package poddns

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestFor(t *testing.T) {
	cluster := Cluster{Servers: []string{"10.96.0.10"}, Domain: "cluster.local"}
	clusterSearch := []string{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local"}
	pod := func(mutate func(*corev1.PodSpec)) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "p"}}
		if mutate != nil {
			mutate(&p.Spec)
		}
		return p
	}
	cases := []struct {
		name    string
		pod     *corev1.Pod
		cluster Cluster
		want    Config
	}{
		{"ClusterFirst by default", pod(nil), cluster,
			Config{Nameservers: []string{"10.96.0.10"}, Searches: clusterSearch, Options: []string{"ndots:5"}}},
		{"ClusterFirst appends the node's search domains", pod(nil),
			Cluster{Servers: cluster.Servers, Domain: "cluster.local", HostSearches: []string{"corp.invalid", "cluster.local"}},
			Config{Nameservers: []string{"10.96.0.10"}, Searches: append(append([]string{}, clusterSearch...), "corp.invalid"),
				Options: []string{"ndots:5"}}},
		{"Default: the node's", pod(func(s *corev1.PodSpec) { s.DNSPolicy = corev1.DNSDefault }), cluster, Config{Host: true}},
		{"ClusterFirst without a cluster DNS falls back to the node's", pod(nil), Cluster{}, Config{Host: true}},
		{"hostNetwork with ClusterFirst: the node's", pod(func(s *corev1.PodSpec) { s.HostNetwork = true }), cluster, Config{Host: true}},
		{"hostNetwork with ClusterFirstWithHostNet: the cluster's", pod(func(s *corev1.PodSpec) {
			s.HostNetwork, s.DNSPolicy = true, corev1.DNSClusterFirstWithHostNet
		}), cluster, Config{Nameservers: []string{"10.96.0.10"}, Searches: clusterSearch, Options: []string{"ndots:5"}}},
		{"None: dnsConfig alone", pod(func(s *corev1.PodSpec) {
			s.DNSPolicy = corev1.DNSNone
			s.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"192.0.2.53"}, Searches: []string{"example.invalid"},
				Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr.To("2")}, {Name: "edns0"}}}
		}), cluster, Config{Nameservers: []string{"192.0.2.53"}, Searches: []string{"example.invalid"}, Options: []string{"ndots:2", "edns0"}}},
		{"ClusterFirst merged with dnsConfig: its options win, duplicates dropped", pod(func(s *corev1.PodSpec) {
			s.DNSConfig = &corev1.PodDNSConfig{Searches: []string{"svc.cluster.local", "extra.invalid"},
				Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr.To("1")}}}
		}), cluster, Config{Nameservers: []string{"10.96.0.10"}, Searches: append(append([]string{}, clusterSearch...), "extra.invalid"),
			Options: []string{"ndots:1"}}},
		{"at most three nameservers", pod(func(s *corev1.PodSpec) {
			s.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}}
		}), cluster, Config{Nameservers: []string{"10.96.0.10", "192.0.2.1", "192.0.2.2"}, Searches: clusterSearch, Options: []string{"ndots:5"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := For(c.pod, c.cluster); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}
