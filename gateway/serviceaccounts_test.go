package gateway

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/replicacontroller"
	corev1 "k8s.io/api/core/v1"
)

// A ServiceAccount's life through a real kubectl: created, given a token
// (kubectl create token), authenticated with it, authorized only once a
// RoleBinding names it, and locked out again when it is deleted, even if
// it is re-created; expired tokens are refused. Every namespace has its
// default ServiceAccount (the gateway's for the built-in ones, the replica
// controller's for new ones).
func TestKubectlServiceAccountTokens(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatalf("kubectl is installed on every project machine: %v", err)
	}
	key, _, err := authn.GenerateKey(authn.KeyECDSA)
	if err != nil {
		t.Fatal(err)
	}
	g := startGatewayWith(t, nil, func(c *Config) { c.ServiceAccountKey = key })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- replicacontroller.Run(ctx, replicacontroller.Config{Log: g.log, Instance: "test"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("replica controller: %v", err)
		}
	})
	admin := newKubectl(t, g, adminToken)

	admin.must("", "create", "namespace", "dev")
	admin.must("", "create", "sa", "bot", "-n", "dev")
	for _, ns := range []string{"default", "kube-system"} {
		if out := admin.must("", "get", "sa", "default", "-n", ns); !strings.Contains(out, "SECRETS") {
			t.Fatalf("default serviceaccount in %s:\n%s", ns, out)
		}
	}
	eventstest.Eventually(t, 20*time.Second, func() error {
		if out, err := admin.run("", "get", "sa", "-n", "dev"); err != nil || !strings.Contains(out, "default") || !strings.Contains(out, "bot") {
			return errors.New(out)
		}
		return nil
	})

	token := strings.TrimSpace(admin.must("", "create", "token", "bot", "-n", "dev"))
	bot := newKubectl(t, g, token)
	who := bot.must("", "auth", "whoami")
	for _, want := range []string{"system:serviceaccount:dev:bot", "system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"} {
		if !strings.Contains(who, want) {
			t.Fatalf("whoami lacks %q:\n%s", want, who)
		}
	}
	// Every ServiceAccount may discover the issuer and its keys.
	if out := bot.must("", "get", "--raw", "/.well-known/openid-configuration"); !strings.Contains(out,
		`"jwks_uri":"`+DefaultServiceAccountIssuer+`/openid/v1/jwks"`) {
		t.Fatalf("openid configuration:\n%s", out)
	}
	kid, err := authn.KeyID(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	if out := bot.must("", "get", "--raw", "/openid/v1/jwks"); !strings.Contains(out, `"kid":"`+kid+`"`) {
		t.Fatalf("jwks lacks the signing key %s:\n%s", kid, out)
	}
	out, err := bot.run("", "get", "pods", "-n", "dev")
	if want := `pods is forbidden: User "system:serviceaccount:dev:bot" cannot list resource "pods" in API group "" in the namespace "dev"`; err == nil || !strings.Contains(out, want) {
		t.Fatalf("unbound service account: %v\n%s", err, out)
	}
	admin.must("", "create", "rolebinding", "bot-views", "--clusterrole=view", "--serviceaccount=dev:bot", "-n", "dev")
	bot.must("", "get", "pods", "-n", "dev")

	if out, err := admin.run("", "create", "token", "bot", "-n", "dev", "--duration=5m"); err == nil || !strings.Contains(out, "may not specify a duration less than 10 minutes") {
		t.Fatalf("a five minute token: %v\n%s", err, out)
	}
	if out, err := admin.run("", "create", "token", "nobody", "-n", "dev"); err == nil || !strings.Contains(out, `serviceaccounts "nobody" not found`) {
		t.Fatalf("token of a missing service account: %v\n%s", err, out)
	}

	// Deleting the ServiceAccount revokes its tokens; a new one of the same
	// name has another uid, so they stay revoked.
	admin.must("", "delete", "sa", "bot", "-n", "dev")
	unauthorized := func(what string, k *kubectl) {
		t.Helper()
		if out, err := k.run("", "get", "pods", "-n", "dev"); err == nil || !strings.Contains(out, "You must be logged in to the server") {
			t.Fatalf("%s: %v\n%s", what, err, out)
		}
	}
	unauthorized("token of a deleted service account", bot)
	admin.must("", "create", "sa", "bot", "-n", "dev")
	unauthorized("token of a re-created service account", bot)

	// The new one's tokens work (the binding names it by name), until they expire.
	uid, ok := g.server.serviceAccountUID("dev", "bot")
	if !ok {
		t.Fatal("no bot serviceaccount")
	}
	req := authn.TokenRequest{Namespace: "dev", Name: "bot", UID: uid, Lifetime: authn.MinTokenLifetime}
	fresh, _, err := authn.Issuer{Issuer: DefaultServiceAccountIssuer, Key: key}.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	newKubectl(t, g, fresh).must("", "get", "pods", "-n", "dev")
	longAgo := func() time.Time { return time.Now().Add(-time.Hour) }
	expired, _, err := authn.Issuer{Issuer: DefaultServiceAccountIssuer, Key: key, Now: longAgo}.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	unauthorized("expired token", newKubectl(t, g, expired))
	// Another issuer's key is no key of this cluster's.
	other, _, err := authn.GenerateKey(authn.KeyECDSA)
	if err != nil {
		t.Fatal(err)
	}
	forged, _, err := authn.Issuer{Issuer: DefaultServiceAccountIssuer, Key: other}.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	forger := *g
	forger.token = forged
	if st := forger.must(http.StatusUnauthorized, "GET", podsPath("dev"), nil).status(t); st.Message != "Unauthorized" {
		t.Fatalf("forged token: %+v", st)
	}
}

// The ServiceAccount plugin: a pod runs as "default" unless it names an
// account, and a named account must exist.
func TestServiceAccountAdmission(t *testing.T) {
	g := startGateway(t, nil)
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("plain", nil, "")).into(t, &p)
	if p.Spec.ServiceAccountName != "default" || p.Spec.DeprecatedServiceAccount != "default" {
		t.Fatalf("serviceAccountName %q serviceAccount %q, want default", p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount)
	}
	ghost := pod("ghost", nil, "")
	ghost["spec"].(map[string]any)["serviceAccountName"] = "builder"
	st := g.must(http.StatusForbidden, "POST", podsPath("default"), ghost).status(t)
	want := `pods "ghost" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found`
	if st.Message != want {
		t.Fatalf("pod of a missing account: %q, want %q", st.Message, want)
	}
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/serviceaccounts",
		map[string]any{"metadata": map[string]any{"name": "builder"}})
	g.must(http.StatusCreated, "POST", podsPath("default"), ghost)
}
