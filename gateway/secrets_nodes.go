package gateway

import (
	"context"
	"fmt"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/podenv"
	corev1 "k8s.io/api/core/v1"
)

// serveNodeSecrets answers node agents' requests for Secrets until the
// gateway stops (natslog.ServeSecrets).
func (s *Server) serveNodeSecrets(ctx context.Context) {
	if err := s.log.ServeSecrets(ctx, s.nodeSecret); err != nil {
		s.logger.WithError(err).Error("node secret requests not served")
	}
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
