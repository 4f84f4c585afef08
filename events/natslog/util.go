package natslog

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

func splitHostPort(hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, fmt.Errorf("cluster listen %q: %w", hp, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("cluster listen %q: %w", hp, err)
	}
	return h, port, nil
}

func joinComma(s []string) string { return strings.Join(s, ",") }
