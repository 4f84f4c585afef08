package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/podenv"
	corev1 "k8s.io/api/core/v1"
)

// What node agents ask the gateway (natslog/nodeasks.go): the Secrets
// their pods use and tokens bound to their pods. Each answer is checked
// against the pods bound to the asking node, as Kubernetes' node
// authorizer checks a kubelet's requests.

// serveNodeAsks answers node agents' requests for Secrets and tokens until
// the gateway stops.
func (s *Server) serveNodeAsks(ctx context.Context) {
	go func() {
		if err := s.log.ServeTokens(ctx, s.nodeToken); err != nil {
			s.logger.WithError(err).Error("node token requests not served")
		}
	}()
	if err := s.log.ServeSecrets(ctx, s.nodeSecret); err != nil {
		s.logger.WithError(err).Error("node secret requests not served")
	}
}

// errNoSigningKey: a token asked of a gateway that signs none.
var errNoSigningKey = errors.New("the gateway has no service account signing key")

// nodeToken signs a token of req's ServiceAccount bound to req's pod, if
// that pod is bound to node, runs as that account and is not being
// deleted.
func (s *Server) nodeToken(ctx context.Context, node string, req natslog.TokenRequest) (natslog.Token, error) {
	if s.cfg.ServiceAccountKey == nil {
		return natslog.Token{}, errNoSigningKey
	}
	pod := s.nodePod(node, req)
	if pod == nil {
		s.catchUpLog(ctx) // the pod may be newer than this projection
		if pod = s.nodePod(node, req); pod == nil {
			return natslog.Token{}, fmt.Errorf("node %s, pod %s/%s, serviceaccount %s: %w",
				node, req.Namespace, req.Pod, req.ServiceAccount, events.ErrTokenRefused)
		}
	}
	uid, ok := s.serviceAccountUID(req.Namespace, req.ServiceAccount)
	if !ok {
		return natslog.Token{}, fmt.Errorf("serviceaccount %s/%s: %w", req.Namespace, req.ServiceAccount, events.ErrNotFound)
	}
	treq := authn.TokenRequest{Namespace: req.Namespace, Name: req.ServiceAccount, UID: uid,
		Audiences: s.cfg.apiAudiences(), Lifetime: time.Duration(req.ExpirationSeconds) * time.Second,
		Pod: &authn.PodRef{Name: pod.Name, UID: string(pod.UID)}}
	if req.Audience != "" {
		treq.Audiences = []string{req.Audience}
	}
	issuer := authn.Issuer{Issuer: s.cfg.serviceAccountIssuer(), Key: s.cfg.ServiceAccountKey, Now: s.cfg.Now}
	token, expires, err := issuer.Issue(treq)
	if err != nil {
		return natslog.Token{}, err
	}
	s.logger.WithFields(map[string]any{"node": node, "key": req.Namespace + "/" + req.Pod}).Debug("token handed to its node")
	return natslog.Token{Token: token, Expires: expires}, nil
}

// nodePod is req's pod if it is bound to node, has req's uid, runs as
// req's ServiceAccount and is not being deleted.
func (s *Server) nodePod(node string, req natslog.TokenRequest) *corev1.Pod {
	e := s.proj.State().Live("pods", req.Namespace, req.Pod)
	if e == nil {
		return nil
	}
	pod, ok := e.Object.(*corev1.Pod)
	if !ok || pod.Spec.NodeName != node || string(pod.UID) != req.PodUID ||
		pod.Spec.ServiceAccountName != req.ServiceAccount || pod.DeletionTimestamp != nil {
		return nil
	}
	return pod
}

// nodeSecret is the data of Secret namespace/name for node, if a pod bound
// to node uses it (as Kubernetes' node authorizer decides).
func (s *Server) nodeSecret(ctx context.Context, node, namespace, name string) (map[string][]byte, error) {
	if !s.podOnNodeUses(node, namespace, name) {
		s.catchUpLog(ctx) // the pod may be newer than this projection
		if !s.podOnNodeUses(node, namespace, name) {
			return nil, fmt.Errorf("node %s, secret %s/%s: %w", node, namespace, name, events.ErrSecretRefused)
		}
	}
	e := s.proj.State().Live("secrets", namespace, name)
	if e == nil {
		s.catchUpLog(ctx)
		if e = s.proj.State().Live("secrets", namespace, name); e == nil {
			return nil, fmt.Errorf("secret %s/%s: %w", namespace, name, events.ErrNotFound)
		}
	}
	obj, err := s.opened(ctx, e.Object)
	if err != nil {
		return nil, err
	}
	s.logger.WithFields(map[string]any{"node": node, "key": namespace + "/" + name}).Debug("secret handed to its node")
	return obj.(*corev1.Secret).Data, nil
}

func (s *Server) podOnNodeUses(node, namespace, name string) bool {
	for _, e := range s.proj.State().PodsOnNode(node) {
		if pod, ok := e.Object.(*corev1.Pod); ok && pod.Namespace == namespace && podenv.SecretsReferenced(pod)[name] {
			return true
		}
	}
	return false
}
