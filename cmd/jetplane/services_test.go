package main

import (
	"slices"
	"strings"
	"testing"
)

func TestGatewayFlagsConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		flags   gatewayFlags
		wantErr string
	}{
		{"tokens and groups", gatewayFlags{tokens: []string{"t1=alice", "t2=bob"}, groups: []string{"alice=system:masters", "alice=dev"}}, ""},
		{"token without user", gatewayFlags{tokens: []string{"t1="}}, `--token "t1=": want token=user`},
		{"group without =", gatewayFlags{groups: []string{"alice"}}, `--group "alice": want user=group`},
		{"missing CA file", gatewayFlags{clientCAFile: "/nonexistent/ca.crt"}, "--client-ca-file:"},
		{"missing key file", gatewayFlags{saKeyFile: "/nonexistent/sa.key"}, "--service-account-key-file:"},
	}
	for _, c := range cases {
		cfg, err := c.flags.config(nil, "test")
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
		case c.wantErr == "":
			if cfg.Tokens["t1"] != "alice" || cfg.Tokens["t2"] != "bob" || !slices.Equal(cfg.Groups["alice"], []string{"system:masters", "dev"}) {
				t.Errorf("%s: tokens %v groups %v", c.name, cfg.Tokens, cfg.Groups)
			}
		}
	}
}
