package main

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
)

// splitHostPortFlag reads a --nats listen address; port 0 asks NATS for a
// free one (its -1).
func splitHostPortFlag(hp string) (string, int, error) {
	h, port, err := natslog.SplitHostPort("address", hp)
	if err == nil && port == 0 {
		port = -1
	}
	return h, port, err
}

// syncFlag reads a --sync value: "always" (fsync every write) or a flush
// interval such as 2m.
func syncFlag(v string) (always bool, interval time.Duration, err error) {
	if v == "always" {
		return true, 0, nil
	}
	interval, err = time.ParseDuration(v)
	if err != nil || interval <= 0 {
		return false, 0, fmt.Errorf("--sync %q: want always or a positive duration (2m)", v)
	}
	return false, interval, nil
}

// nodeIPFlag reads --node-ip: an address, or auto for this host's first
// non-loopback IPv4 address (a container's on its network).
func nodeIPFlag(v string) (string, error) {
	if v != "auto" {
		if net.ParseIP(v) == nil {
			return "", fmt.Errorf("--node-ip %q: not an IP address", v)
		}
		return v, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", fmt.Errorf("--node-ip auto: %w", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String(), nil
		}
	}
	return "", errors.New("--node-ip auto: this host has no non-loopback IPv4 address")
}
