package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/jetplane/jetplane/"

// pure are the packages that decide or describe and do no I/O: the
// contract, and every decision package. Nothing they link may speak NATS,
// Docker or logrus.
var pure = []string{
	"apirequest",
	"authn",
	"authz",
	"chaos/invariants",
	"defaulting",
	"endpointslices",
	"events",
	"gateway/apis",
	"gateway/jetplaneapi",
	"gateway/kevents",
	"gateway/restore",
	"nodes",
	"podsecurity",
	"services/nodereports/restriction",
	"admission",
	"quota",
	"routing",
	"seal",
	"changesummary",
	"customresources",
	"openapischema",
	"secretenvelope",
	"servicelinks",
	"clusterip",
	"controllerrevisions",
	"poddns",
	"podenv",
	"podvolumes",
	"services/endpointcontroller/endpoints",
	"services/nodeagent/podsync",
	"services/replicacontroller/cronjob",
	"services/replicacontroller/daemon",
	"services/replicacontroller/statefulset",
	"services/replicacontroller/volumebinding",
	"services/replicacontroller/rootca",
	"services/replicacontroller/eventttl",
	"services/replicacontroller/gc",
	"services/replicacontroller/job",
	"services/replicacontroller/nodelifecycle",
	"services/replicacontroller/replication",
	"services/replicacontroller/rollout",
	"services/replicacontroller/serviceaccounts",
	"services/replicacontroller/workload",
	"services/scheduler/placement",
}

// forbidden are module path prefixes a pure package may not link.
var forbidden = []string{
	"github.com/nats-io/",
	"github.com/moby/",
	"github.com/docker/",
	"github.com/sirupsen/logrus",
}

// natsAllowed may import nats.go or nats-server themselves: the adapter
// and the binary.
var natsAllowed = []string{"events/natslog", "cmd/"}

type listed struct {
	ImportPath   string
	Deps         []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func goList(t *testing.T, args ...string) []listed {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	var pkgs []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestPurePackagesLinkNoNATSDockerOrLogrus(t *testing.T) {
	args := []string{"-deps=false"}
	for _, p := range pure {
		args = append(args, "./"+p)
	}
	pkgs := goList(t, args...)
	if len(pkgs) != len(pure) {
		t.Fatalf("go list found %d of the %d pure packages", len(pkgs), len(pure))
	}
	for _, p := range pkgs {
		for _, d := range p.Deps {
			for _, f := range forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s links %s", strings.TrimPrefix(p.ImportPath, module), d)
				}
			}
		}
	}
}

func TestOnlyTheAdapterAndCmdImportNATS(t *testing.T) {
	for _, p := range goList(t, "./...") {
		rel := strings.TrimPrefix(p.ImportPath, module)
		if allowed(rel) {
			continue
		}
		for _, imps := range [][]string{p.Imports, p.TestImports, p.XTestImports} {
			for _, imp := range imps {
				if strings.HasPrefix(imp, "github.com/nats-io/") {
					t.Errorf("%s imports %s: only events/natslog and cmd speak NATS", rel, imp)
				}
			}
		}
	}
}

func allowed(rel string) bool {
	for _, a := range natsAllowed {
		if rel == strings.TrimSuffix(a, "/") || strings.HasPrefix(rel, a) {
			return true
		}
	}
	return false
}

// TestNothingImportsCmd keeps the binary at the edge: what cmd/ wires
// (the all-in-one, the client, the services) lives outside it, so the load
// test and the end-to-end tests link no command.
func TestNothingImportsCmd(t *testing.T) {
	for _, p := range goList(t, "./...") {
		rel := strings.TrimPrefix(p.ImportPath, module)
		if strings.HasPrefix(rel, "cmd/") {
			continue
		}
		for _, imps := range [][]string{p.Imports, p.TestImports, p.XTestImports} {
			for _, imp := range imps {
				if strings.HasPrefix(imp, module+"cmd/") {
					t.Errorf("%s imports %s: only cmd/ wires commands", rel, strings.TrimPrefix(imp, module))
				}
			}
		}
	}
}

// TestClientLinksNotTheGateway keeps the client verbs on the wire contract
// (gateway/jetplaneapi): linking the server would bring its NATS adapter,
// projections and logger into every client.
func TestClientLinksNotTheGateway(t *testing.T) {
	for _, p := range goList(t, "-deps=false", "./client") {
		for _, d := range p.Deps {
			if d == module+"gateway" {
				t.Errorf("%s links %s: use gateway/jetplaneapi", strings.TrimPrefix(p.ImportPath, module), d)
			}
		}
	}
}

// TestAuthzImportsOnlyKubernetesTypes keeps the authorizer a pure function
// of Kubernetes' API types: no Jetplane package (it must not depend on
// how the policy is stored) and nothing but k8s.io/api, k8s.io/apimachinery
// and the standard library.
func TestAuthzImportsOnlyKubernetesTypes(t *testing.T) {
	for _, p := range goList(t, "-deps=false", "./authz") {
		for _, imp := range p.Imports {
			std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			if !std && !strings.HasPrefix(imp, "k8s.io/api/") && !strings.HasPrefix(imp, "k8s.io/apimachinery/") {
				t.Errorf("authz imports %s", imp)
			}
		}
	}
}
