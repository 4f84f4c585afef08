package natslog

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// SplitHostPort reads a host:port listen address; what names it in errors
// ("cluster listen", "address").
func SplitHostPort(what, hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, fmt.Errorf("%s %q: %w", what, hp, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("%s %q: port: %w", what, hp, err)
	}
	return h, port, nil
}

func joinComma(s []string) string { return strings.Join(s, ",") }
