package main

import (
	"fmt"
	"net"
	"strconv"
)

func splitHostPortFlag(hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: %w", hp, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: port: %w", hp, err)
	}
	if port == 0 {
		port = -1 // NATS's own "pick a free port"
	}
	return h, port, nil
}
