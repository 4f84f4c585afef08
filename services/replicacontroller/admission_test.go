package replicacontroller

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// In a namespace enforcing baseline, a ReplicaSet whose template is
// privileged gets no pods (kube-apiserver would refuse them to the
// controller); a clean one beside it gets its own.
func TestPodSecurityEnforcedOnControllerPods(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.create("namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "guarded",
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}}})
	replicaSet := func(name string, privileged bool) *appsv1.ReplicaSet {
		replicas := int32(2)
		c := corev1.Container{Name: "c", Image: "jetplane/hello:1"}
		if privileged {
			c.SecurityContext = &corev1.SecurityContext{Privileged: &privileged}
		}
		labels := map[string]string{"app": name}
		return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "guarded"},
			Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}}}
	}
	bad, good := replicaSet("root", true), replicaSet("plain", false)
	h.create("replicasets", bad)
	h.create("replicasets", good)
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		if n := len(h.podsOf(good)); n != 2 {
			return fmt.Errorf("%d pods of the clean ReplicaSet, want 2", n)
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
	if err := h.catchUp(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.podsOf(bad)); n != 0 {
		t.Fatalf("%d pods of the privileged ReplicaSet in a baseline namespace", n)
	}
}

// A ReplicaSet of 5 in a namespace whose quota allows 3 pods gets 3, and
// each carries its LimitRange's default requests and limits: what
// kube-apiserver's admission does to the pods the controller creates.
func TestQuotaAndLimitRangeOnControllerPods(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.create("namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "small"}})
	h.create("resourcequotas", &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "small"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("3")}}})
	h.create("limitranges", &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "lr", Namespace: "small"},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer,
			Default:        corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
			DefaultRequest: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")}}}}})
	replicas := int32(5)
	labels := map[string]string{"app": "many"}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "many", Namespace: "small"},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}}}
	h.create("replicasets", rs)
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		if n := len(h.podsOf(rs)); n != 3 {
			return fmt.Errorf("%d pods, want the quota's 3", n)
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
	if err := h.catchUp(); err != nil {
		t.Fatal(err)
	}
	pods := h.podsOf(rs)
	if len(pods) != 3 {
		t.Fatalf("%d pods after the controller settled, want 3", len(pods))
	}
	for _, p := range pods {
		res := p.Spec.Containers[0].Resources
		if res.Limits.Memory().String() != "64Mi" || res.Requests.Memory().String() != "32Mi" {
			t.Fatalf("pod %s resources %v, want the LimitRange defaults", p.Name, res)
		}
	}
}
