package gateway

import (
	"errors"
	"net/http"

	"github.com/jetplane/jetplane/apirequest"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/podsecurity"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ignoredPodSubresources change nothing the Pod Security Standards check
// (kube-apiserver's plugin skips them; ephemeralcontainers and resize are
// checked).
var ignoredPodSubresources = map[string]bool{
	"status": true, "binding": true, "eviction": true, "exec": true, "attach": true,
	"log": true, "portforward": true, "proxy": true,
}

// admitPodSecurity is Kubernetes' PodSecurity admission plugin: the
// namespace's pod-security.kubernetes.io labels choose a level per mode.
// A pod that violates the enforce level is refused (403, `pods "x" is
// forbidden: violates PodSecurity "baseline:latest": ...`); one that
// violates the warn level gets a Warning. A workload with a pod template
// is never refused but is warned about at the warn level, which follows a
// stricter enforce level unless labelled itself. (kube-apiserver then
// refuses the pods its controller creates; Jetplane's controllers append
// their pods to the log themselves, past this chain, so they are not.)
// Namespaces' own writes are checked by admitNamespacePodSecurity.
//
// The audit level annotates nothing: kube-apiserver writes its verdict into
// the audit log as an annotation, while Jetplane's log records every change
// with its actor already and has no per-request audit annotations.
func (s *Server) admitPodSecurity(r *http.Request, res events.Resource, old, obj events.Object) error {
	ns, isNamespace := obj.(*corev1.Namespace)
	meta, spec, hasPodSpec := podsecurity.PodSpecOf(obj)
	if !isNamespace && !hasPodSpec {
		return nil
	}
	info, err := apirequest.FromRequest(r)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if isNamespace {
		if info.Subresource != "" {
			return nil
		}
		oldNS, _ := old.(*corev1.Namespace)
		return s.admitNamespacePodSecurity(r, ns, oldNS)
	}
	pod, isPod := obj.(*corev1.Pod)
	switch {
	case isPod && ignoredPodSubresources[info.Subresource]:
		return nil
	case !isPod && info.Subresource != "":
		return nil
	}
	e := s.proj.State().Live("namespaces", "", obj.GetNamespace())
	if e == nil || e.Object == nil {
		return nil // creates refuse a missing namespace before admission
	}
	// Invalid labels still give a policy (enforce fails closed); the
	// namespace's own writes are where they are refused.
	policy, _ := podsecurity.PolicyOf(e.Object.GetLabels())
	if policy.FullyPrivileged() {
		return nil
	}
	if oldPod, ok := old.(*corev1.Pod); ok && isPod && !podsecurity.SignificantPodUpdate(pod, oldPod) {
		return nil
	}
	if isPod {
		if vs := podsecurity.Evaluate(policy.Enforce, meta, spec); len(vs) > 0 {
			return apierrors.NewForbidden(res.GroupResource(), obj.GetName(), errors.New(podsecurity.Denial(policy.Enforce, vs)))
		}
	}
	if vs := podsecurity.Evaluate(policy.Warn, meta, spec); len(vs) > 0 {
		warn(r.Context(), podsecurity.Warning(policy.Warn, vs))
	}
	return nil
}
