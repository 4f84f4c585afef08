package natslog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go"
)

// A node agent never reads a Secret from the log (it is sealed there): it
// asks the control plane for one its pods use, on its own subject
// (events.NodeSecretSubject); the gateway checks that a pod bound to that
// node refers to it and answers with its data. The answer goes to the
// node's inbox only.

const (
	headerSecretError = "Jetplane-Secret-Error" // notfound, refused or failed
	secretQueue       = "jetplane-secrets"
)

// secretRequest names the Secret asked for.
type secretRequest struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// FetchSecret asks the control plane, as node, for the data of Secret
// namespace/name: events.ErrNotFound when there is none,
// events.ErrSecretRefused when no pod of the node uses it.
func (l *Log) FetchSecret(ctx context.Context, node, namespace, name string) (map[string][]byte, error) {
	body, _ := json.Marshal(secretRequest{Namespace: namespace, Name: name})
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	msg, err := l.nc.RequestWithContext(ctx, events.NodeSecretSubject(node), body)
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", namespace, name, err)
	}
	switch msg.Header.Get(headerSecretError) {
	case "":
	case "notfound":
		return nil, fmt.Errorf("secret %s/%s: %w", namespace, name, events.ErrNotFound)
	case "refused":
		return nil, fmt.Errorf("secret %s/%s: %s: %w", namespace, name, msg.Data, events.ErrSecretRefused)
	default:
		return nil, fmt.Errorf("secret %s/%s: %s", namespace, name, msg.Data)
	}
	var data map[string][]byte
	if err := json.Unmarshal(msg.Data, &data); err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", namespace, name, err)
	}
	return data, nil
}

// ServeSecrets answers the nodes' Secret requests with serve until ctx
// ends, the node taken from the subject NATS let it publish on.
func (l *Log) ServeSecrets(ctx context.Context, serve func(ctx context.Context, node, namespace, name string) (map[string][]byte, error)) error {
	sub, err := l.nc.QueueSubscribe(events.NodeSecretFilter, secretQueue, func(m *nats.Msg) {
		reply := &nats.Msg{Subject: m.Reply, Header: nats.Header{}}
		node, err := events.NodeOfReport(m.Subject)
		var req secretRequest
		if err == nil {
			err = json.Unmarshal(m.Data, &req)
		}
		var data map[string][]byte
		if err == nil {
			data, err = serve(ctx, node, req.Namespace, req.Name)
		}
		switch {
		case errors.Is(err, events.ErrNotFound):
			reply.Header.Set(headerSecretError, "notfound")
		case errors.Is(err, events.ErrSecretRefused):
			reply.Header.Set(headerSecretError, "refused")
			reply.Data = []byte(err.Error())
		case err != nil:
			reply.Header.Set(headerSecretError, "failed")
			reply.Data = []byte(err.Error())
		default:
			reply.Data, _ = json.Marshal(data)
		}
		_ = l.nc.PublishMsg(reply)
	})
	if err != nil {
		return fmt.Errorf("serve secrets: %w", err)
	}
	<-ctx.Done()
	_ = sub.Unsubscribe()
	return nil
}
