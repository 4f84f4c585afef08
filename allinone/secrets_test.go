package allinone_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	"github.com/jetplane/jetplane/secretenvelope"
)

// The walk-through: a Secret's values reach whoever may read it
// and are in no event of the log nor line of the audit stream; deleted,
// they are shredded, and its past says so.
func TestSecretsNeverInTheLog(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	kubectl(t, c, "create", "secret", "generic", "s", "--from-literal=password=hunter2", "--from-literal=user=bob")
	if got := kubectl(t, c, "get", "secret", "s", "-o", "jsonpath={.data.password}"); got != base64.StdEncoding.EncodeToString([]byte("hunter2")) {
		t.Fatalf("data.password: %q", got)
	}
	// kubectl apply keeps the manifest in an annotation: sealed too.
	kubectlIn(t, c, `apiVersion: v1
kind: Secret
metadata: {name: applied}
stringData: {token: correct-horse-battery}
`, "apply", "-f", "-")
	if got := kubectl(t, c, "get", "secret", "applied", "-o", "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"); !strings.Contains(got, "correct-horse-battery") {
		t.Fatalf("last-applied as kubectl reads it back: %q", got)
	}
	kubectl(t, c, "patch", "secret", "s", "-p", `{"stringData":{"password":"hunter3"}}`)
	if got := kubectl(t, c, "get", "secret", "s", "-o", "jsonpath={.data.password}"); got != base64.StdEncoding.EncodeToString([]byte("hunter3")) {
		t.Fatalf("patched: %q", got)
	}
	if out := kubectl(t, c, "get", "secrets"); !strings.Contains(out, "Opaque") || !strings.Contains(out, "applied") {
		t.Fatalf("kubectl get secrets:\n%s", out)
	}
	rv := kubectl(t, c, "get", "secret", "s", "-o", "jsonpath={.metadata.resourceVersion}")

	values := []string{"hunter2", "hunter3", "correct-horse-battery"}
	leaks := func(what string, b []byte) {
		t.Helper()
		for _, v := range values {
			for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v)), base64.StdEncoding.EncodeToString([]byte(`"` + v))} {
				if bytes.Contains(b, []byte(form[:len(form)-2])) {
					t.Errorf("%s holds a Secret's value (as %q)", what, form)
				}
			}
		}
	}
	// Every message of EVENTS, exactly as stored.
	n := 0
	if err := c.Log.ReadMessages(context.Background(), 1, 0, func(seq uint64, m *events.Message) error {
		n++
		leaks(fmt.Sprintf("event %d (%s)", seq, m.Subject), m.Data)
		for k, vs := range m.Header {
			leaks(fmt.Sprintf("event %d header %s", seq, k), []byte(strings.Join(vs, " ")))
		}
		return nil
	}); err != nil || n == 0 {
		t.Fatalf("read EVENTS: %d messages, %v", n, err)
	}
	audit := mustAs(t, c, c.Token, "GET", jetplaneapi.AuditPath+"?resource=secrets", "", "", http.StatusOK)
	lines := strings.Split(strings.TrimSpace(string(audit)), "\n")
	if len(lines) < 3 || !strings.Contains(lines[0], "dev.jetplane.secret.created") {
		t.Fatalf("the audit stream's Secret events:\n%.500s", audit)
	}
	leaks("the audit stream", audit)
	for _, line := range lines { // each CloudEvent's data, decoded
		var ce struct {
			Data []byte `json:"data_base64"`
		}
		if err := json.Unmarshal([]byte(line), &ce); err != nil || len(ce.Data) == 0 {
			t.Fatalf("audit line %.200s: %v", line, err)
		}
		leaks("an audit CloudEvent's data", ce.Data)
	}
	_, history := api(t, c, "GET", jetplaneapi.HistoryObjectPath("secrets", "default", "s")+"?diff=1,2", nil)
	leaks("the history", history)
	var h jetplaneapi.History
	if err := json.Unmarshal(history, &h); err != nil || h.Diff == nil {
		t.Fatalf("history: %v %s", err, history)
	}
	patch, _ := json.Marshal(h.Diff.MergePatch)
	if !bytes.Contains(patch, []byte(`"stringData":{"password":"`+secretenvelope.DigestPrefix)) {
		t.Fatalf("the diff of the patch shows the changed value's digest, and only it: %s", patch)
	}

	// The past shows keys and digests; once deleted, that the values are gone.
	admin, err := client.FromKubeconfig(c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	var rev uint64
	fmt.Sscan(rv, &rev)
	var past bytes.Buffer
	if err := admin.Get(context.Background(), client.GetOptions{Type: "secret", Name: "s", Revision: rev, Output: "yaml"}, &past); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(past.String(), "password: "+secretenvelope.DigestPrefix) || !strings.Contains(past.String(), "sealed: values are not shown") {
		t.Fatalf("the past of s:\n%s", past.String())
	}
	leaks("the past", past.Bytes())
	kubectl(t, c, "delete", "secret", "s")
	eventstest.Eventually(t, 10*time.Second, func() error {
		past.Reset()
		if err := admin.Get(context.Background(), client.GetOptions{Type: "secret", Name: "s", Revision: rev, Output: "yaml"}, &past); err != nil {
			return err
		}
		if !strings.Contains(past.String(), "shredded") {
			return fmt.Errorf("the past of a deleted Secret:\n%s", past.String())
		}
		return nil
	})
	// Restoring it cannot bring garbage back: the restore says why.
	var out bytes.Buffer
	_, err = admin.Restore(context.Background(), jetplaneapi.RestoreRequest{ToRevision: rev, Namespace: "default"}, &out)
	if err == nil || !strings.Contains(err.Error()+out.String(), "shredded") {
		t.Fatalf("restore of a shredded Secret: %v\n%s", err, out.String())
	}
	// A user may not forge the sealed form.
	_, errOut, code := kubectlRun(t, c, `apiVersion: v1
kind: Secret
metadata: {name: forged, annotations: {"jetplane.dev/sealed-data": "v1:AAAA"}}
`, "apply", "-f", "-")
	if code == 0 || !strings.Contains(errOut, "reserved for Jetplane") {
		t.Fatalf("a forged sealed Secret: %q", errOut)
	}
}
