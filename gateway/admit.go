package gateway

import (
	"net/http"

	"github.com/jetplane/jetplane/events"
)

// Admission runs after defaulting and validation, before a create or an
// update is appended, as kube-apiserver's admission chain does: each
// admitter may refuse the change (a Status error) or add warnings (warn).
// old is nil on a create. Dry runs are admitted too, so that they answer
// what the real request would.

// admitter is one admission plugin.
type admitter func(r *http.Request, res events.Resource, old, obj events.Object) error

// admitters are the gateway's admission chain, in order: LimitRange
// before ResourceQuota, since the defaults it fills are what quota counts.
func (s *Server) admitters() []admitter {
	return []admitter{s.admitRBAC, s.admitServiceAccount, s.admitDefaultStorageClass, s.admitLimitRange, s.admitPodSecurity, s.admitQuota}
}

// admit runs the admission chain on a change.
func (s *Server) admit(r *http.Request, res events.Resource, old, obj events.Object) error {
	for _, a := range s.admitters() {
		if err := a(r, res, old, obj); err != nil {
			return err
		}
	}
	return nil
}
