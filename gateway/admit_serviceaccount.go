package gateway

import (
	"errors"
	"net/http"

	"github.com/jetplane/jetplane/admission"
	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
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
	err := admission.ServiceAccount(pod, func(ns, name string) *corev1.ServiceAccount {
		if e := st.Live("serviceaccounts", ns, name); e != nil {
			sa, _ := e.Object.(*corev1.ServiceAccount)
			return sa
		}
		return nil
	}, utilrand.String(5))
	if errors.Is(err, admission.ErrServiceAccount) {
		return apierrors.NewForbidden(res.GroupResource(), pod.Name, err)
	}
	return err
}
