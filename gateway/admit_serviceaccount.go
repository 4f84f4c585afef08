package gateway

import (
	"errors"
	"net/http"

	"github.com/jetplane/jetplane/admission"
	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// admitServiceAccount is kube-apiserver's ServiceAccount plugin on a new
// pod: its account defaults to "default" and a named one must exist (else
// 403). Updates pass: a pod's account is immutable (validation says so).
func (s *Server) admitServiceAccount(_ *http.Request, res events.Resource, old, obj events.Object) error {
	pod, ok := obj.(*corev1.Pod)
	if !ok || old != nil {
		return nil
	}
	st := s.proj.State()
	err := admission.ServiceAccount(pod, func(ns, name string) bool { return st.Live("serviceaccounts", ns, name) != nil })
	if errors.Is(err, admission.ErrServiceAccount) {
		return apierrors.NewForbidden(res.GroupResource(), pod.Name, err)
	}
	return err
}
