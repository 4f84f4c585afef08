package natslog

import (
	"encoding/json"
	"fmt"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go"
)

// PublishUsage sends node's usage report (events.NodeUsage) on its own
// subject: core NATS, no stream, lost if nobody listens, as a gauge may be.
func (l *Log) PublishUsage(node string, u *events.NodeUsage) error {
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("usage of %s: %w", node, err)
	}
	if err := l.nc.Publish(events.NodeUsageSubject(node), data); err != nil {
		return fmt.Errorf("usage of %s: %w", node, err)
	}
	return nil
}

// SubscribeUsage calls handle with each node's usage reports, the node
// taken from the subject NATS let its agent publish on, never from the
// report; err says why a report could not be read. The returned func stops
// it.
func (l *Log) SubscribeUsage(handle func(node string, u *events.NodeUsage, err error)) (func(), error) {
	sub, err := l.nc.Subscribe(events.NodeUsageFilter, func(m *nats.Msg) {
		node, err := events.NodeOfReport(m.Subject)
		if err != nil {
			return
		}
		var u events.NodeUsage
		if err := json.Unmarshal(m.Data, &u); err != nil {
			handle(node, nil, fmt.Errorf("usage report of %s: %w", node, err))
			return
		}
		handle(node, &u, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("usage reports: %w", err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}
