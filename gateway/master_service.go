package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/routing"
	"github.com/jetplane/jetplane/servicelinks"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The `kubernetes` Service of the default namespace, as kube-apiserver
// keeps it: the first address of the service range, port 443, no selector,
// and Endpoints listing every gateway that started (its endpoint
// reconciler's job). In-cluster clients reach the API through it, and every
// container gets its KUBERNETES_SERVICE_* variables from it.

// masterPortName is the Service's one port.
const masterPortName = "https"

// ensureMasterService creates the Service where missing and adds this
// gateway to its Endpoints.
func (s *Server) ensureMasterService(ctx context.Context) error {
	ip, port, ok := s.advertised()
	if s.proj.State().Live("services", servicelinks.MasterNamespace, servicelinks.MasterName) == nil {
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: servicelinks.MasterName, Namespace: servicelinks.MasterNamespace,
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: s.serviceRange.At(0),
				Ports: []corev1.ServicePort{{Name: masterPortName, Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(int32(port))}}}}
		apis.Default(events.MustLookup("services"), svc)
		if _, err := s.allocateService(ctx, svc, nil); err != nil {
			// The first address is someone's already (a Service made before
			// this existed): the API's own Service waits for an operator.
			s.logger.WithError(err).Warn("the kubernetes Service cannot take the range's first address")
			return nil
		}
		if err := s.ensure(ctx, events.MustLookup("services"), []events.Object{svc}); err != nil {
			return err
		}
	}
	if !ok {
		return nil
	}
	return s.addMasterEndpoint(ctx, ip, port)
}

// advertised is the address in-cluster clients reach this gateway at: its
// listener's (an unspecified one, 0.0.0.0, says nothing: no endpoint).
func (s *Server) advertised() (string, int, bool) {
	addr := s.cfg.Addr
	if s.cfg.Listener != nil {
		addr = s.cfg.Listener.Addr().String()
	}
	host, p, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(p)
	ip := net.ParseIP(host)
	if err != nil || perr != nil || ip == nil || ip.IsUnspecified() {
		return "", 443, false
	}
	return ip.String(), port, true
}

// addMasterEndpoint puts ip:port in the kubernetes Endpoints, with CAS.
func (s *Server) addMasterEndpoint(ctx context.Context, ip string, port int) error {
	res := events.MustLookup("endpoints")
	for range maxQuotaRetries {
		entry := s.proj.State().Get(res.Name, servicelinks.MasterNamespace, servicelinks.MasterName)
		ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: servicelinks.MasterName, Namespace: servicelinks.MasterNamespace}}
		change, expected := events.Created, uint64(0)
		if entry != nil {
			expected = entry.Seq
			if !entry.Deleted() {
				ep = copyOf(res, entry.Object).(*corev1.Endpoints)
				change = events.Updated
			}
		}
		if !routing.WithAddress(ep, ip, []corev1.EndpointPort{{Name: masterPortName, Port: int32(port), Protocol: corev1.ProtocolTCP}}) {
			return nil // already listed
		}
		if change == events.Created {
			events.PrepareCreate(ep, time.Now())
		}
		ev, err := s.log.Write(ctx, events.ServiceOrigin("gateway", s.cfg.Instance),
			events.Write{Resource: res, Change: change, Object: ep, Expected: expected})
		if errors.Is(err, events.ErrConflict) {
			s.catchUpLog(ctx)
			continue
		}
		if err != nil {
			return fmt.Errorf("gateway: kubernetes endpoints: %w", err)
		}
		return s.proj.WaitFor(ctx, ev.Seq)
	}
	return fmt.Errorf("gateway: kubernetes endpoints: too many conflicts")
}
