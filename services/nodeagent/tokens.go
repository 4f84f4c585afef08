package nodeagent

import (
	"context"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A pod's serviceAccountToken projections hold tokens the control plane
// signs for this node (natslog.FetchToken); the agent keeps each one and
// asks anew once 80% of its lifetime has gone by, as the kubelet's token
// manager does, so the volume refresh (volumes.go) rewrites the file well
// before the old token expires.

type tokenKey struct {
	pod      types.UID
	audience string
	seconds  int64
}

// podToken is podvolumes' Token lookup for pod on this node.
func (a *agent) podToken(ctx context.Context, pod *corev1.Pod) func(audience string, seconds int64) (string, error) {
	return func(audience string, seconds int64) (string, error) {
		k := tokenKey{pod.UID, audience, seconds}
		now := time.Now()
		a.mu.Lock()
		t, ok := a.tokens[k]
		a.mu.Unlock()
		if ok && now.Before(t.Expires.Add(-time.Duration(seconds)*time.Second/5)) {
			return t.Token, nil
		}
		t, err := a.cfg.Log.FetchToken(ctx, a.cfg.NodeName, natslog.TokenRequest{Namespace: pod.Namespace, Pod: pod.Name,
			PodUID: string(pod.UID), ServiceAccount: pod.Spec.ServiceAccountName, Audience: audience, ExpirationSeconds: seconds})
		if err != nil {
			return "", err
		}
		a.mu.Lock()
		a.tokens[k] = t
		a.mu.Unlock()
		return t.Token, nil
	}
}

// forgetTokens drops a gone pod's tokens.
func (a *agent) forgetTokens(uid types.UID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k := range a.tokens {
		if k.pod == uid {
			delete(a.tokens, k)
		}
	}
}
