package natslog

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// SplitHostPort reads a host:port listen address.
func SplitHostPort(hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: %w", hp, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: port: %w", hp, err)
	}
	return h, port, nil
}

func joinComma(s []string) string { return strings.Join(s, ",") }
