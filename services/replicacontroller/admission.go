package replicacontroller

import (
	"github.com/jetplane/jetplane/admission"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/podsecurity"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/quota"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
)

// podAdmission asks, of a pod this controller is about to create, what
// kube-apiserver's admission would: ServiceAccount, LimitRanger's defaults and bounds,
// PodSecurity's enforce level and ResourceQuota. In Kubernetes the
// ReplicaSet (or Job, DaemonSet) controller creates through the API and is
// refused there; here the controllers append their pods themselves, so
// they run the same pure checks first and create nothing the gateway would
// refuse. Pods created earlier in the same batch count against quotas.
type podAdmission struct {
	st      *projections.State
	created map[string][]events.Object // by namespace
}

func newPodAdmission(st *projections.State) *podAdmission {
	return &podAdmission{st: st, created: map[string][]events.Object{}}
}

// stored is the projection with this batch's pods added.
func (a *podAdmission) stored(resource, namespace string) []events.Object {
	objs := a.st.Objects(resource, namespace)
	if resource == "pods" {
		objs = append(objs, a.created[namespace]...)
	}
	return objs
}

// admit defaults pod from its namespace's LimitRanges and returns why it
// must not be created, in the plugins' words, or "" when it may.
func (a *podAdmission) admit(pod *corev1.Pod) string {
	if err := admission.ServiceAccount(pod, func(ns, name string) *corev1.ServiceAccount {
		if e := a.st.Live("serviceaccounts", ns, name); e != nil {
			sa, _ := e.Object.(*corev1.ServiceAccount)
			return sa
		}
		return nil
	}, utilrand.String(5)); err != nil {
		return err.Error()
	}
	ranges := quota.LimitRanges(a.stored, pod.Namespace)
	quota.Default(pod, ranges)
	if msg := podSecurityDenial(a.st, pod); msg != "" {
		return msg
	}
	if err := quota.Check(pod, ranges); err != nil {
		return err.Error()
	}
	var quotas []quota.Namespace
	for _, q := range quota.Quotas(a.stored, pod.Namespace) {
		quotas = append(quotas, quota.Namespace{Quota: q, Objects: quota.Counted(q, a.stored, "pods", pod.Name)})
	}
	gr := schema.GroupResource{Resource: "pods"}
	if err := quota.Admit(quotas, nil, quota.Object{Resource: gr, Object: pod}); err != nil {
		return err.Error()
	}
	a.created[pod.Namespace] = append(a.created[pod.Namespace], pod)
	return ""
}

// podSecurityDenial is why the namespace's PodSecurity enforce level
// refuses pod, or "".
func podSecurityDenial(st *projections.State, pod *corev1.Pod) string {
	ns := st.Live("namespaces", "", pod.Namespace)
	if ns == nil {
		return ""
	}
	policy, _ := podsecurity.PolicyOf(ns.Object.GetLabels()) // invalid labels fail closed, as the gateway's
	vs := podsecurity.Evaluate(policy.Enforce, &pod.ObjectMeta, &pod.Spec)
	if len(vs) == 0 {
		return ""
	}
	return podsecurity.Denial(policy.Enforce, vs)
}
