package placement

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestFilter covers every filter rule, one node at a time.
func TestFilter(t *testing.T) {
	const (
		noSched   = corev1.TaintEffectNoSchedule
		noExec    = corev1.TaintEffectNoExecute
		preferNot = corev1.TaintEffectPreferNoSchedule
	)
	In, NotIn, Exists, DoesNotExist, Gt, Lt := corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn,
		corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist, corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt
	zoneA := labelled("zone", "a", "cores", "8")
	tests := []struct {
		name string
		pod  *corev1.Pod
		node *NodeInfo
		want []string // none: fits
	}{
		// Readiness and cordon.
		{"ready node fits", pod("a"), info(node("n")), nil},
		{"not ready", pod("a"), info(node("n", notReady)), []string{"node(s) had untolerated taint {node.kubernetes.io/not-ready: }"}},
		{"ready unknown is unreachable", pod("a"), info(node("n", readiness(corev1.ConditionUnknown))),
			[]string{"node(s) had untolerated taint {node.kubernetes.io/unreachable: }"}},
		{"not ready tolerated", pod("a", tolerating(corev1.TaintNodeNotReady, noSched)), info(node("n", notReady)), nil},
		{"no Ready condition is not ready", pod("a"), info(func() *corev1.Node { n := node("n"); n.Status.Conditions = nil; return n }()),
			[]string{"node(s) had untolerated taint {node.kubernetes.io/not-ready: }"}},
		{"cordoned", pod("a"), info(node("n", cordoned)), []string{ReasonUnschedulable}},
		{"cordon tolerated", pod("a", tolerating(corev1.TaintNodeUnschedulable, noSched)), info(node("n", cordoned)), nil},
		{"cordon speaks before taints", pod("a"), info(node("n", cordoned, notReady)), []string{ReasonUnschedulable}},

		// Taints and tolerations.
		{"NoSchedule taint", pod("a"), info(node("n", tainted("gpu", "yes", noSched))), []string{"node(s) had untolerated taint {gpu: yes}"}},
		{"NoExecute taint", pod("a"), info(node("n", tainted("dedicated", "db", noExec))), []string{"node(s) had untolerated taint {dedicated: db}"}},
		{"PreferNoSchedule only scores", pod("a"), info(node("n", tainted("soft", "", preferNot))), nil},
		{"Exists toleration", pod("a", tolerating("gpu", "")), info(node("n", tainted("gpu", "yes", noSched))), nil},
		{"Equal toleration, same value", pod("a", toleratingValue("gpu", "yes", noSched)), info(node("n", tainted("gpu", "yes", noSched))), nil},
		{"Equal toleration, other value", pod("a", toleratingValue("gpu", "no", noSched)), info(node("n", tainted("gpu", "yes", noSched))),
			[]string{"node(s) had untolerated taint {gpu: yes}"}},
		{"toleration of another effect", pod("a", tolerating("gpu", noExec)), info(node("n", tainted("gpu", "yes", noSched))),
			[]string{"node(s) had untolerated taint {gpu: yes}"}},
		{"empty key Exists tolerates all", pod("a", tolerating("", "")), info(node("n", tainted("x", "1", noSched), tainted("y", "2", noExec), notReady)), nil},
		{"first untolerated taint reported", pod("a", tolerating("x", "")), info(node("n", tainted("x", "1", noSched), tainted("y", "2", noExec))),
			[]string{"node(s) had untolerated taint {y: 2}"}},

		// nodeSelector and required node affinity.
		{"nodeSelector matches", pod("a", selector("zone", "a")), info(node("n", zoneA)), nil},
		{"nodeSelector needs every label", pod("a", selector("zone", "a", "disk", "ssd")), info(node("n", zoneA)), []string{ReasonNodeAffinity}},
		{"In", pod("a", requiredTerms(exprTerm(req("zone", In, "a", "b")))), info(node("n", zoneA)), nil},
		{"In, no value matches", pod("a", requiredTerms(exprTerm(req("zone", In, "b")))), info(node("n", zoneA)), []string{ReasonNodeAffinity}},
		{"NotIn", pod("a", requiredTerms(exprTerm(req("zone", NotIn, "b")))), info(node("n", zoneA)), nil},
		{"NotIn, value excluded", pod("a", requiredTerms(exprTerm(req("zone", NotIn, "a")))), info(node("n", zoneA)), []string{ReasonNodeAffinity}},
		{"Exists", pod("a", requiredTerms(exprTerm(req("zone", Exists)))), info(node("n", zoneA)), nil},
		{"Exists, label missing", pod("a", requiredTerms(exprTerm(req("gpu", Exists)))), info(node("n", zoneA)), []string{ReasonNodeAffinity}},
		{"DoesNotExist", pod("a", requiredTerms(exprTerm(req("gpu", DoesNotExist)))), info(node("n", zoneA)), nil},
		{"DoesNotExist, label present", pod("a", requiredTerms(exprTerm(req("zone", DoesNotExist)))), info(node("n", zoneA)), []string{ReasonNodeAffinity}},
		{"Gt", pod("a", requiredTerms(exprTerm(req("cores", Gt, "4")))), info(node("n", zoneA)), nil},
		{"Gt, not greater", pod("a", requiredTerms(exprTerm(req("cores", Gt, "8")))), info(node("n", zoneA)), []string{ReasonNodeAffinity}},
		{"Lt", pod("a", requiredTerms(exprTerm(req("cores", Lt, "16")))), info(node("n", zoneA)), nil},
		{"Lt, not less", pod("a", requiredTerms(exprTerm(req("cores", Lt, "8")))), info(node("n", zoneA)), []string{ReasonNodeAffinity}},
		{"Gt on a value that is no number", pod("a", requiredTerms(exprTerm(req("zone", Gt, "1")))), info(node("n", zoneA)), []string{ReasonNodeAffinity}},
		{"expressions of a term are ANDed", pod("a", requiredTerms(exprTerm(req("zone", In, "a"), req("gpu", Exists)))), info(node("n", zoneA)),
			[]string{ReasonNodeAffinity}},
		{"terms are ORed", pod("a", requiredTerms(exprTerm(req("gpu", Exists)), exprTerm(req("zone", In, "a")))), info(node("n", zoneA)), nil},
		{"matchFields metadata.name", pod("a", requiredTerms(fieldTerm(req("metadata.name", In, "n")))), info(node("n")), nil},
		{"matchFields other name", pod("a", requiredTerms(fieldTerm(req("metadata.name", In, "m")))), info(node("n")), []string{ReasonNodeAffinity}},
		{"matchFields NotIn", pod("a", requiredTerms(fieldTerm(req("metadata.name", NotIn, "n")))), info(node("n")), []string{ReasonNodeAffinity}},
		{"nodeSelector and affinity both required", pod("a", selector("zone", "b"), requiredTerms(exprTerm(req("zone", Exists)))), info(node("n", zoneA)),
			[]string{ReasonNodeAffinity}},

		// Host ports.
		{"free host port", pod("a", hostPort(80, "", "")), info(node("n"), pods(1, hostPort(81, "", ""))), nil},
		{"same port taken", pod("a", hostPort(80, "", "")), info(node("n"), pods(1, hostPort(80, "", ""))), []string{ReasonNodePorts}},
		{"TCP is the default protocol", pod("a", hostPort(80, corev1.ProtocolTCP, "")), info(node("n"), pods(1, hostPort(80, "", ""))), []string{ReasonNodePorts}},
		{"other protocol is free", pod("a", hostPort(53, corev1.ProtocolUDP, "")), info(node("n"), pods(1, hostPort(53, corev1.ProtocolTCP, ""))), nil},
		{"distinct host IPs are free", pod("a", hostPort(80, "", "10.0.0.1")), info(node("n"), pods(1, hostPort(80, "", "10.0.0.2"))), nil},
		{"every address against one", pod("a", hostPort(80, "", "")), info(node("n"), pods(1, hostPort(80, "", "10.0.0.2"))), []string{ReasonNodePorts}},
		{"one address against every", pod("a", hostPort(80, "", "10.0.0.1")), info(node("n"), pods(1, hostPort(80, "", "0.0.0.0"))), []string{ReasonNodePorts}},
		{"finished pod frees its port", pod("a", hostPort(80, "", "")), info(node("n"), pods(1, hostPort(80, "", ""), phase(corev1.PodFailed))), nil},

		// Resources.
		{"pods at allocatable", pod("a"), info(node("n", alloc("", "", "2")), pods(2)), []string{ReasonTooManyPods}},
		{"110 pods by default", pod("a"), info(node("n"), pods(110)), []string{ReasonTooManyPods}},
		{"finished pods hold nothing", pod("a"), info(node("n", alloc("", "", "1")), pods(3, phase(corev1.PodSucceeded))), nil},
		{"cpu fits exactly", pod("a", requests("400m", "")), info(node("n", alloc("1", "1Gi", "")), pods(1, requests("600m", ""))), nil},
		{"cpu short", pod("a", requests("500m", "")), info(node("n", alloc("1", "1Gi", "")), pods(1, requests("600m", ""))), []string{ReasonInsufficientCPU}},
		{"memory short", pod("a", requests("", "600Mi")), info(node("n", alloc("1", "1Gi", "")), pods(1, requests("", "500Mi"))), []string{ReasonInsufficientMemory}},
		{"every shortfall reported", pod("a", requests("2", "2Gi")), info(node("n", alloc("1", "1Gi", "1")), pods(1)),
			[]string{ReasonTooManyPods, ReasonInsufficientCPU, ReasonInsufficientMemory}},
		{"no requests fit a node offering none", pod("a"), info(node("n", alloc("0", "0", "")), pods(3)), nil},
		{"init container peak counts", pod("a", requests("100m", ""), initRequests("1500m", "", false)), info(node("n", alloc("1", "", ""))),
			[]string{ReasonInsufficientCPU}},
		{"init container below the app sum", pod("a", requests("900m", ""), initRequests("500m", "", false)), info(node("n", alloc("1", "", ""))), nil},
		{"sidecar adds to the app containers", pod("a", requests("600m", ""), initRequests("500m", "", true)), info(node("n", alloc("1", "", ""))),
			[]string{ReasonInsufficientCPU}},
		{"bound pod's init peak is reserved", pod("a", requests("500m", "")), info(node("n", alloc("1", "", "")), pods(1, initRequests("600m", "", false))),
			[]string{ReasonInsufficientCPU}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Filter(tc.pod, tc.node)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Filter = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPodRequests(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want Requests
	}{
		{"none", pod("a"), Requests{}},
		{"app containers summed", pod("a", requests("100m", "64Mi"), requests("200m", "")), Requests{MilliCPU: 300, Memory: 64 << 20}},
		{"largest init container when more", pod("a", requests("100m", ""), initRequests("1", "", false), initRequests("500m", "1Gi", false)),
			Requests{MilliCPU: 1000, Memory: 1 << 30}},
		{"sidecars stay counted", pod("a", requests("100m", ""), initRequests("200m", "", true), initRequests("250m", "", false)),
			Requests{MilliCPU: 450}},
		{"overhead added", func() *corev1.Pod {
			p := pod("a", requests("100m", ""))
			p.Spec.Overhead = list("50m", "")
			return p
		}(), Requests{MilliCPU: 150}},
		{"pod-level requests win", func() *corev1.Pod {
			p := pod("a", requests("100m", ""))
			p.Spec.Resources = &corev1.ResourceRequirements{Requests: list("2", "")}
			return p
		}(), Requests{MilliCPU: 2000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PodRequests(tc.pod); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
