package endpoints

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLoadBalancerIngress(t *testing.T) {
	node := func(name, ip string, ready corev1.ConditionStatus, cordoned bool) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{Unschedulable: cordoned},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}},
				Addresses: []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: name}, {Type: corev1.NodeInternalIP, Address: ip}}}}
	}
	nodes := []*corev1.Node{node("b", "10.0.0.2", "True", false), node("a", "10.0.0.1", "True", false),
		node("down", "10.0.0.3", "Unknown", false), node("cordoned", "10.0.0.4", "True", true), node("twin", "10.0.0.1", "True", false)}
	lb := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}}
	cases := []struct {
		name string
		svc  *corev1.Service
		want string
	}{
		{"ready, schedulable nodes, sorted, once each", lb, "[10.0.0.1 10.0.0.2]"},
		{"not a LoadBalancer", &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort}}, "[]"},
	}
	for _, c := range cases {
		var ips []string
		for _, in := range LoadBalancerIngress(c.svc, nodes) {
			ips = append(ips, in.IP)
		}
		if got := fmt.Sprint(ips); got != c.want && !(c.want == "[]" && len(ips) == 0) {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	if LoadBalancerChanged(&corev1.Service{}, nil) {
		t.Error("nothing to nothing is no change")
	}
	if !LoadBalancerChanged(lb, LoadBalancerIngress(lb, nodes)) {
		t.Error("an empty status must be filled")
	}
}
