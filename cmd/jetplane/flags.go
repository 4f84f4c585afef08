package main

import "github.com/jetplane/jetplane/events/natslog"

// splitHostPortFlag reads a --nats listen address; port 0 asks NATS for a
// free one (its -1).
func splitHostPortFlag(hp string) (string, int, error) {
	h, port, err := natslog.SplitHostPort("address", hp)
	if err == nil && port == 0 {
		port = -1
	}
	return h, port, err
}
