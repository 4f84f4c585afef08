package gateway

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/quota"
	corev1 "k8s.io/api/core/v1"
)

// A create that charges a quota appends, in the same atomic batch as the
// object, a status change of every quota it charges, each expecting the
// quota's sequence as admission saw it. That is kube-apiserver's CAS on
// the quota's status: of two gateways fitting one last slot at the same
// moment, one batch lands and the other conflicts, re-admits against the
// winner's state and is refused. The status written is the usage with the
// object, as Kubernetes writes it; reads derive it afresh anyway.

// maxQuotaRetries bounds re-admission after lost races on a quota.
const maxQuotaRetries = 5

// quotaCharges are the quota status writes that must land with obj.
func (s *Server) quotaCharges(res events.Resource, obj events.Object) []events.Write {
	if !res.Namespaced {
		return nil
	}
	st := s.proj.State()
	qres := events.MustLookup("resourcequotas")
	item := quota.Object{Resource: res.GroupResource(), Object: obj}
	var ws []events.Write
	for _, e := range st.List(qres.Name, obj.GetNamespace(), nil) {
		q, ok := e.Object.(*corev1.ResourceQuota)
		if !ok || len(quota.Charged(q, nil, item)) == 0 {
			continue
		}
		next := copyOf(qres, q).(*corev1.ResourceQuota)
		next.Status.Hard = q.Spec.Hard.DeepCopy()
		next.Status.Used = quota.Used(q, append(counted(st, q, res.Name, obj.GetName()), item))
		ws = append(ws, events.Write{Resource: qres, Change: events.StatusChange, Object: next, Expected: e.Seq})
	}
	return ws
}

// writeCreate appends a new object, serialised with the quotas it charges.
// A conflict that is the object's own (its name taken meanwhile) is
// returned as is, for create to answer; one on a quota re-admits.
func (s *Server) writeCreate(r *http.Request, res events.Resource, obj events.Object, expected uint64) error {
	for range maxQuotaRetries {
		charges := s.quotaCharges(res, obj)
		w := events.Write{Resource: res, Change: events.Created, Object: obj, Expected: expected}
		if len(charges) == 0 {
			_, err := s.write(r, w)
			return err
		}
		w, err := s.sealed(r.Context(), w)
		if err != nil {
			return err
		}
		evs, err := s.log.WriteAtomic(r.Context(), s.origin(r), append([]events.Write{w}, charges...))
		if err == nil {
			if err := s.proj.WaitFor(r.Context(), evs[len(evs)-1].Seq); err != nil {
				return fmt.Errorf("wait for seq %d: %w", evs[len(evs)-1].Seq, err)
			}
			return nil
		}
		if !errors.Is(err, events.ErrConflict) {
			return err
		}
		s.catchUpLog(r.Context())
		if !quotaMoved(s, charges) {
			return err
		}
		if err := s.admitQuota(r, res, nil, obj); err != nil {
			return err
		}
	}
	// Not events.ErrConflict: create would answer that the name is taken.
	return conflict(events.MustLookup("resourcequotas"), obj.GetName())
}

// quotaMoved reports whether a quota changed since its charge was built:
// then the conflict was the quota's, not the object's.
func quotaMoved(s *Server, charges []events.Write) bool {
	for _, w := range charges {
		e := s.proj.State().Get(w.Resource.Name, w.Object.GetNamespace(), w.Object.GetName())
		if e == nil || e.Seq != w.Expected {
			return true
		}
	}
	return false
}
