package natslog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go"
)

// A node agent never reads a Secret from the log (it is sealed there) and
// holds no signing key: it asks the control plane for a Secret its pods
// use, or for a token of the ServiceAccount one of its pods runs as, on
// its own subjects (events.NodeSecretSubject, events.NodeTokenSubject).
// The gateway checks that a pod bound to that node is entitled to it and
// answers; the answer goes to the node's inbox only.

const (
	headerAskError = "Jetplane-Ask-Error" // notfound, refused or failed
	secretQueue    = "jetplane-secrets"
	tokenQueue     = "jetplane-tokens"
)

// secretRequest names the Secret asked for.
type secretRequest struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// TokenRequest is a node's request for a token bound to one of its pods
// (the kubelet's TokenRequest for a serviceAccountToken projection).
type TokenRequest struct {
	Namespace      string `json:"namespace"`
	Pod            string `json:"pod"`
	PodUID         string `json:"podUID"`
	ServiceAccount string `json:"serviceAccount"`
	// Audience is empty for the API's own audiences.
	Audience          string `json:"audience,omitempty"`
	ExpirationSeconds int64  `json:"expirationSeconds"`
}

// Token is the answer: the token and when it expires.
type Token struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// FetchSecret asks the control plane, as node, for the data of Secret
// namespace/name: events.ErrNotFound when there is none,
// events.ErrSecretRefused when no pod of the node uses it.
func (l *Log) FetchSecret(ctx context.Context, node, namespace, name string) (map[string][]byte, error) {
	var data map[string][]byte
	err := l.ask(ctx, events.NodeSecretSubject(node), secretRequest{Namespace: namespace, Name: name}, &data, events.ErrSecretRefused)
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", namespace, name, err)
	}
	return data, nil
}

// FetchToken asks the control plane, as node, for a token of req's
// ServiceAccount bound to req's pod: events.ErrTokenRefused when no such
// pod of the node runs as it, events.ErrNotFound when the account is gone.
func (l *Log) FetchToken(ctx context.Context, node string, req TokenRequest) (Token, error) {
	var t Token
	if err := l.ask(ctx, events.NodeTokenSubject(node), req, &t, events.ErrTokenRefused); err != nil {
		return Token{}, fmt.Errorf("token of serviceaccount %s/%s for pod %s: %w", req.Namespace, req.ServiceAccount, req.Pod, err)
	}
	return t, nil
}

// ServeSecrets answers the nodes' Secret requests with serve until ctx
// ends, the node taken from the subject NATS let it publish on.
func (l *Log) ServeSecrets(ctx context.Context, serve func(ctx context.Context, node, namespace, name string) (map[string][]byte, error)) error {
	return l.serveAsks(ctx, events.NodeSecretFilter, secretQueue, events.ErrSecretRefused, func(node string, body []byte) (any, error) {
		var req secretRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, err
		}
		return serve(ctx, node, req.Namespace, req.Name)
	})
}

// ServeTokens answers the nodes' token requests with serve until ctx ends.
func (l *Log) ServeTokens(ctx context.Context, serve func(ctx context.Context, node string, req TokenRequest) (Token, error)) error {
	return l.serveAsks(ctx, events.NodeTokenFilter, tokenQueue, events.ErrTokenRefused, func(node string, body []byte) (any, error) {
		var req TokenRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, err
		}
		return serve(ctx, node, req)
	})
}

// ask sends req on subject and decodes the answer into out; a refusal is
// refused, an absent object events.ErrNotFound.
func (l *Log) ask(ctx context.Context, subject string, req, out any, refused error) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	msg, err := l.nc.RequestWithContext(ctx, subject, body)
	if err != nil {
		return err
	}
	switch msg.Header.Get(headerAskError) {
	case "":
	case "notfound":
		return events.ErrNotFound
	case "refused":
		return fmt.Errorf("%s: %w", msg.Data, refused)
	default:
		return errors.New(string(msg.Data))
	}
	return json.Unmarshal(msg.Data, out)
}

// serveAsks answers the requests on filter (one answer per request across
// the queue's members) with answer, given the asking node.
func (l *Log) serveAsks(ctx context.Context, filter, queue string, refused error, answer func(node string, body []byte) (any, error)) error {
	sub, err := l.nc.QueueSubscribe(filter, queue, func(m *nats.Msg) {
		reply := &nats.Msg{Subject: m.Reply, Header: nats.Header{}}
		node, err := events.NodeOfReport(m.Subject)
		var out any
		if err == nil {
			out, err = answer(node, m.Data)
		}
		switch {
		case errors.Is(err, events.ErrNotFound):
			reply.Header.Set(headerAskError, "notfound")
		case errors.Is(err, refused):
			reply.Header.Set(headerAskError, "refused")
			reply.Data = []byte(err.Error())
		case err != nil:
			reply.Header.Set(headerAskError, "failed")
			reply.Data = []byte(err.Error())
		default:
			reply.Data, _ = json.Marshal(out)
		}
		_ = l.nc.PublishMsg(reply)
	})
	if err != nil {
		return fmt.Errorf("serve %s: %w", filter, err)
	}
	<-ctx.Done()
	_ = sub.Unsubscribe()
	return nil
}
