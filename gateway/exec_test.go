package gateway

import (
	"net/http"
	"strings"
	"testing"
)

// Entering a pod is refused before any upgrade, as kube-apiserver refuses
// it: a missing pod or container, no command, a pod not yet on a node, and
// (Jetplane's own) a pod whose node is gone.
func TestExecRefusals(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("pending", nil, ""))
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("orphan", nil, "gone-node"))
	cases := []struct {
		path   string
		status int
		says   string
	}{
		{"/ghost/exec?command=true&stdout=true", http.StatusNotFound, `\"ghost\" not found`},
		{"/orphan/exec?command=true&stdout=true&container=nope", http.StatusBadRequest, "container nope is not valid for pod orphan"},
		{"/orphan/exec?stdout=true", http.StatusBadRequest, "at least one command"},
		{"/pending/exec?command=true&stdout=true", http.StatusBadRequest, "pod pending does not have a host assigned"},
		{"/orphan/exec?command=true&stdout=true", http.StatusServiceUnavailable, "node gone-node is gone"},
		{"/ghost/portforward?ports=80", http.StatusNotFound, `not found`},
	}
	for _, c := range cases {
		res := g.must(c.status, "POST", podsPath("default")+c.path, nil)
		if !strings.Contains(string(res.body), c.says) {
			t.Errorf("%s: %s, want %q", c.path, res.body, c.says)
		}
	}
}
