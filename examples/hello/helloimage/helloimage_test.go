package helloimage

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
)

func TestBuildBakesVersionAndSkipsExisting(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := Build(ctx, dir, "7"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(Path(dir, "7"))
	if err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("entrypoint: %v %v", st, err)
	}
	// The binary reports its tag.
	cmd := exec.Command(Path(dir, "7"))
	cmd.Env = []string{"POD_IP=127.0.77.7", "PORT=18080"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	eventstest.Eventually(t, 10*time.Second, func() error {
		body, err := get("http://127.0.77.7:18080/version")
		if err == nil && body != "7" {
			err = fmt.Errorf("/version answered %q", body)
		}
		return err
	})
	if err := Build(ctx, dir, "7"); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(Path(dir, "7"))
	if !st2.ModTime().Equal(st.ModTime()) {
		t.Fatalf("existing image rebuilt")
	}
}

func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return string(b), fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), err
}
