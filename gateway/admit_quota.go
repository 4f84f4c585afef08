package gateway

import (
	"errors"
	"net/http"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/quota"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// admitLimitRange is kube-apiserver's LimitRanger: a new pod's containers
// get the defaults of its namespace's LimitRanges, then must lie within
// their bounds (else 403). Admission runs after validation here, so what
// the defaults change is defaulted (QoS class) and validated again: a
// defaulted request above a limit the pod set is a 422, as it would be in
// Kubernetes. Pods are immutable in what a range governs, so updates pass.
func (s *Server) admitLimitRange(_ *http.Request, res events.Resource, old, obj events.Object) error {
	pod, ok := obj.(*corev1.Pod)
	if !ok || old != nil {
		return nil
	}
	ranges := quota.LimitRanges(s.proj.State().Objects, pod.Namespace)
	if len(ranges) == 0 {
		return nil
	}
	if quota.Default(pod, ranges) {
		pod.Status.QOSClass = ""
		apis.Default(res, pod)
		if errs := apis.Validate(res, pod, nil); len(errs) > 0 {
			return apierrors.NewInvalid(res.GVK().GroupKind(), pod.Name, errs)
		}
	}
	if err := quota.Check(pod, ranges); err != nil {
		return forbiddenBy(res, obj, err)
	}
	return nil
}

// admitQuota is kube-apiserver's ResourceQuota plugin: an object must fit
// every quota of its namespace, counted from the gateway's projection.
// A create is serialised with other admissions by writeCreate's CAS on the
// quotas it charges (quota_write.go); an update is not.
func (s *Server) admitQuota(_ *http.Request, res events.Resource, old, obj events.Object) error {
	if !res.Namespaced {
		return nil
	}
	st := s.proj.State()
	qs := quota.Quotas(st.Objects, obj.GetNamespace())
	if len(qs) == 0 {
		return nil
	}
	quotas := make([]quota.Namespace, 0, len(qs))
	for _, q := range qs {
		quotas = append(quotas, quota.Namespace{Quota: q, Objects: counted(st, q, res.Name, obj.GetName())})
	}
	var prev *quota.Object
	if old != nil {
		prev = &quota.Object{Resource: res.GroupResource(), Object: old}
	}
	if err := quota.Admit(quotas, prev, quota.Object{Resource: res.GroupResource(), Object: obj}); err != nil {
		return forbiddenBy(res, obj, err)
	}
	return nil
}

// counted are the objects of q's namespace its hard list tracks, except
// the object being admitted, of resource exceptRes named exceptName.
func counted(st *projections.State, q *corev1.ResourceQuota, exceptRes, exceptName string) []quota.Object {
	return quota.Counted(q, st.Objects, exceptRes, exceptName)
}

// forbiddenBy turns a plugin's refusal into kube-apiserver's 403.
func forbiddenBy(res events.Resource, obj events.Object, err error) error {
	if errors.Is(err, quota.ErrQuota) || errors.Is(err, quota.ErrLimitRange) {
		return apierrors.NewForbidden(res.GroupResource(), obj.GetName(), err)
	}
	return err
}

// withQuotaStatus fills a quota's status as read: hard is its spec's,
// used is counted from st at read time. It is derived, never written, so
// it cannot go stale; a status a client PUTs is overwritten on every read.
func withQuotaStatus(st *projections.State, obj events.Object) {
	q, ok := obj.(*corev1.ResourceQuota)
	if !ok {
		return
	}
	q.Status.Hard = q.Spec.Hard.DeepCopy()
	q.Status.Used = quota.Used(q, counted(st, q, "", ""))
}
