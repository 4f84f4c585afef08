package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// inFlightGrace: a reservation whose service the log does not show yet is
// someone's create in flight for this long, then stale.
const inFlightGrace = time.Minute

// allocateService gives a new or changed Service its cluster IP and node
// ports, each reserved by creating its key in the allocations bucket, so two
// gateways never hand out the same one. A reservation whose service is gone,
// or no longer uses it, is taken over: nothing to release on delete. It
// returns the keys it reserved (to release if the write fails).
func (s *Server) allocateService(ctx context.Context, svc, old *corev1.Service) ([]string, error) {
	var taken []string
	fail := func(err error) ([]string, error) {
		s.releaseKeys(taken, svc)
		return nil, err
	}
	owner := ownerValue(svc)
	oldKeys := map[string]bool{}
	if old != nil {
		for _, k := range apis.AllocationKeys(old) {
			oldKeys[k] = true
		}
	}
	// Given values are reserved as they are; 422 when someone holds them.
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if ip := svc.Spec.ClusterIP; ip != "" && ip != corev1.ClusterIPNone && !oldKeys[apis.ClusterIPKey(ip)] {
		if !s.serviceRange.Contains(ip) {
			errs = append(errs, field.Invalid(spec.Child("clusterIP"), ip,
				fmt.Sprintf("provided IP is not in the valid range. The range of valid IPs is %s", s.cfg.ServiceCIDR)))
		} else if ok, err := s.reserve(ctx, apis.ClusterIPKey(ip), owner); err != nil {
			return fail(err)
		} else if !ok {
			errs = append(errs, field.Invalid(spec.Child("clusterIP"), ip, "provided IP is already allocated"))
		} else {
			taken = append(taken, apis.ClusterIPKey(ip))
		}
	}
	if apis.HasNodePorts(svc) {
		for i, p := range svc.Spec.Ports {
			if p.NodePort == 0 || oldKeys[apis.NodePortKey(p.NodePort)] {
				continue
			}
			if ok, err := s.reserve(ctx, apis.NodePortKey(p.NodePort), owner); err != nil {
				return fail(err)
			} else if !ok {
				errs = append(errs, field.Invalid(spec.Child("ports").Index(i).Child("nodePort"), p.NodePort, "provided port is already allocated"))
			} else {
				taken = append(taken, apis.NodePortKey(p.NodePort))
			}
		}
	}
	if len(errs) > 0 {
		return fail(apierrors.NewInvalid(events.MustLookup("services").GVK().GroupKind(), svc.Name, errs))
	}
	// Missing values are chosen: a random start, then the next free one.
	if apis.NeedsClusterIP(svc) {
		key, err := s.pick(ctx, owner, s.serviceRange.Size(), func(i int64) string { return apis.ClusterIPKey(s.serviceRange.At(i)) })
		if err != nil {
			return fail(err)
		}
		taken = append(taken, key)
		svc.Spec.ClusterIP = strings.ReplaceAll(strings.TrimPrefix(key, "clusterip."), "-", ".")
		svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
	}
	if apis.HasNodePorts(svc) {
		for i := range svc.Spec.Ports {
			if svc.Spec.Ports[i].NodePort != 0 {
				continue
			}
			n := int64(apis.NodePortMax - apis.NodePortMin + 1)
			key, err := s.pick(ctx, owner, n, func(i int64) string { return apis.NodePortKey(int32(apis.NodePortMin + i)) })
			if err != nil {
				return fail(err)
			}
			taken = append(taken, key)
			var port int32
			fmt.Sscan(strings.TrimPrefix(key, "nodeport."), &port)
			svc.Spec.Ports[i].NodePort = port
		}
	}
	return taken, nil
}

// pick reserves the first free key of a range, from a random start.
func (s *Server) pick(ctx context.Context, owner string, size int64, key func(int64) string) (string, error) {
	start := rand.Int64N(size)
	for n := int64(0); n < size; n++ {
		k := key((start + n) % size)
		ok, err := s.reserve(ctx, k, owner)
		if err != nil {
			return "", err
		}
		if ok {
			return k, nil
		}
	}
	return "", apierrors.NewInternalError(errors.New("range is full: no address or port left to allocate"))
}

// reserve takes key for owner: created if free, taken over if stale, kept
// if owner already holds it.
func (s *Server) reserve(ctx context.Context, key, owner string) (bool, error) {
	kv := s.log.Allocations()
	_, err := kv.Create(ctx, key, []byte(owner))
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, events.ErrKeyExists) {
		return false, fmt.Errorf("allocate %s: %w", key, err)
	}
	cur, err := kv.Get(ctx, key)
	if errors.Is(err, events.ErrNotFound) {
		return s.reserve(ctx, key, owner) // released meanwhile
	}
	if err != nil {
		return false, fmt.Errorf("allocate %s: %w", key, err)
	}
	if string(cur.Value) == owner {
		return true, nil
	}
	if !s.stale(ctx, key, string(cur.Value), cur.Created) {
		return false, nil
	}
	if _, err := kv.Update(ctx, key, []byte(owner), cur.Revision); err != nil {
		return false, nil // someone else took it over first
	}
	return true, nil
}

// stale tells whether the service a reservation names has let it go.
func (s *Server) stale(ctx context.Context, key, owner string, reserved time.Time) bool {
	ns, name, uid, ok := parseOwner(owner)
	if !ok {
		return true
	}
	e := s.proj.State().Get("services", ns, name)
	switch {
	case e == nil:
		return time.Since(reserved) > inFlightGrace
	case e.Deleted():
		ev, err := s.log.Get(ctx, e.Seq)
		return err != nil || ev.Time.After(reserved)
	case string(e.Object.GetUID()) != uid:
		return true
	}
	svc, _ := e.Object.(*corev1.Service)
	return svc == nil || !slices.Contains(apis.AllocationKeys(svc), key)
}

// releaseKeys frees reservations a failed write made.
func (s *Server) releaseKeys(keys []string, svc *corev1.Service) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	owner := ownerValue(svc)
	for _, k := range keys {
		if e, err := s.log.Allocations().Get(ctx, k); err == nil && string(e.Value) == owner {
			_ = s.log.Allocations().Delete(ctx, k, e.Revision)
		}
	}
}

func ownerValue(svc *corev1.Service) string {
	return svc.Namespace + "/" + svc.Name + "/" + string(svc.UID)
}

func parseOwner(v string) (ns, name, uid string, ok bool) {
	parts := strings.Split(v, "/")
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}
