package allinone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
)

// Every pod gets the API access volume kube-apiserver adds (a token bound
// to the pod, the cluster's CA from kube-root-ca.crt, its namespace); its
// node asks the control plane for the token, which hands it only to the
// node the pod is bound to; the token authenticates the pod's
// ServiceAccount until the pod is deleted.
func TestProcessAPIAccessVolume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, dir)
	kubectl(t, c, "run", "tok", "--image=jetplane/hello:1", "--restart=Never")
	var pod corev1.Pod
	getJSON(t, c, &pod, "pod", "tok")
	vol := ""
	for _, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, "kube-api-access-") && v.Projected != nil {
			vol = v.Name
		}
	}
	mounts := pod.Spec.Containers[0].VolumeMounts
	if vol == "" || len(mounts) != 1 || mounts[0].Name != vol || !mounts[0].ReadOnly ||
		mounts[0].MountPath != "/var/run/secrets/kubernetes.io/serviceaccount" {
		t.Fatalf("no API access volume: %+v %+v", pod.Spec.Volumes, pod.Spec.Containers[0].VolumeMounts)
	}
	files := filepath.Join(dir, "nodes", "node-1", "pods", string(pod.UID), "volumes", vol)
	var token []byte
	eventstest.Eventually(t, 60*time.Second, func() error {
		var err error
		if token, err = os.ReadFile(filepath.Join(files, "token")); err != nil {
			getJSON(t, c, &pod, "pod", "tok")
			return fmt.Errorf("%w: %+v", err, pod.Status.ContainerStatuses)
		}
		return nil
	})
	if ca, err := os.ReadFile(filepath.Join(files, "ca.crt")); err != nil || !bytes.Equal(ca, c.CAPEM) {
		t.Fatalf("ca.crt: %v %q", err, ca)
	}
	if ns, err := os.ReadFile(filepath.Join(files, "namespace")); err != nil || string(ns) != "default" {
		t.Fatalf("namespace: %v %q", err, ns)
	}
	// The token is the pod's ServiceAccount's, bound to the pod.
	user, code := whoAmI(t, c, string(token))
	if code != http.StatusCreated || user.Username != "system:serviceaccount:default:default" ||
		fmt.Sprint(user.Extra["authentication.kubernetes.io/pod-name"]) != "[tok]" {
		t.Fatalf("whoami with the pod's token: %d %+v", code, user)
	}

	// Only the pod's node gets a token, only for the pod's account.
	ctx := context.Background()
	node1, err := c.OpenAs(ctx, "test-node-1", natslog.Identity{Role: natslog.RoleNode, Name: "node-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer node1.Close()
	req := natslog.TokenRequest{Namespace: "default", Pod: "tok", PodUID: string(pod.UID), ServiceAccount: "default", ExpirationSeconds: 3600}
	if tok, err := node1.FetchToken(ctx, "node-1", req); err != nil || tok.Token == "" || time.Until(tok.Expires) < 59*time.Minute {
		t.Fatalf("node-1 asks for its pod's token: %+v %v", tok, err)
	}
	kubectl(t, c, "create", "serviceaccount", "other")
	for name, r := range map[string]natslog.TokenRequest{
		"another account":   {Namespace: "default", Pod: "tok", PodUID: string(pod.UID), ServiceAccount: "other", ExpirationSeconds: 3600},
		"another pod's uid": {Namespace: "default", Pod: "tok", PodUID: "not-its-uid", ServiceAccount: "default", ExpirationSeconds: 3600},
		"no such pod":       {Namespace: "default", Pod: "ghost", PodUID: string(pod.UID), ServiceAccount: "default", ExpirationSeconds: 3600},
	} {
		if _, err := node1.FetchToken(ctx, "node-1", r); !errors.Is(err, events.ErrTokenRefused) {
			t.Errorf("%s: %v", name, err)
		}
	}
	node2, err := c.OpenAs(ctx, "test-node-2", natslog.Identity{Role: natslog.RoleNode, Name: "node-2"})
	if err != nil {
		t.Fatal(err)
	}
	defer node2.Close()
	if _, err := node2.FetchToken(ctx, "node-2", req); !errors.Is(err, events.ErrTokenRefused) {
		t.Fatalf("node-2 asks for node-1's pod's token: %v", err)
	}

	// A pod that opts out gets no volume.
	kubectl(t, c, "run", "notok", "--image=jetplane/hello:1", "--restart=Never", "--overrides", `{"spec":{"automountServiceAccountToken":false}}`)
	var notok corev1.Pod
	getJSON(t, c, &notok, "pod", "notok")
	if len(notok.Spec.Volumes) != 0 || len(notok.Spec.Containers[0].VolumeMounts) != 0 {
		t.Fatalf("an opted-out pod has %+v %+v", notok.Spec.Volumes, notok.Spec.Containers[0].VolumeMounts)
	}

	// Every namespace gets kube-root-ca.crt, and gets it back.
	kubectl(t, c, "create", "namespace", "team")
	rootCA := func() error {
		var cm corev1.ConfigMap
		out, errOut, code := kubectlRun(t, c, "", "get", "configmap", "kube-root-ca.crt", "-n", "team", "-o", "json")
		if code != 0 {
			return fmt.Errorf("%s", errOut)
		}
		if err := json.Unmarshal([]byte(out), &cm); err != nil || cm.Data["ca.crt"] != string(c.CAPEM) {
			return fmt.Errorf("kube-root-ca.crt: %v %+v", err, cm.Data)
		}
		return nil
	}
	eventstest.Eventually(t, 30*time.Second, rootCA)
	kubectl(t, c, "delete", "configmap", "kube-root-ca.crt", "-n", "team")
	eventstest.Eventually(t, 30*time.Second, rootCA)

	// The token dies with its pod.
	kubectl(t, c, "delete", "pod", "tok", "--wait=false")
	eventstest.Eventually(t, 30*time.Second, func() error {
		if _, code := whoAmI(t, c, string(token)); code != http.StatusUnauthorized {
			return fmt.Errorf("the deleted pod's token: %d", code)
		}
		return nil
	})
}

// whoAmI is a SelfSubjectReview with a bearer token.
func whoAmI(t *testing.T, c *allinone.Cluster, token string) (authenticationv1.UserInfo, int) {
	t.Helper()
	body := `{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`
	req, err := http.NewRequest(http.MethodPost, c.GatewayURL+"/apis/authentication.k8s.io/v1/selfsubjectreviews", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r authenticationv1.SelfSubjectReview
	_ = json.NewDecoder(resp.Body).Decode(&r)
	return r.Status.UserInfo, resp.StatusCode
}
