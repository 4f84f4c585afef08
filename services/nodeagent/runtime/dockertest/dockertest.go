package dockertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/deploy/toolbox"
	"github.com/jetplane/jetplane/examples/hello/helloimage"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// RequireEnv names the environment variable that turns a missing engine
// from a skip into a failure.
const RequireEnv = "JETPLANE_REQUIRE_DOCKER"

// Engine is a client of the engine ($DOCKER_HOST or the default socket),
// closed when the test ends.
func Engine(t testing.TB) *client.Client {
	t.Helper()
	if err := runtime.DockerAvailable(context.Background(), ""); err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s=1 but the Docker engine does not answer: %v", RequireEnv, err)
		}
		t.Skipf("no Docker engine (%v); set %s=1 to make this a failure", err, RequireEnv)
	}
	cli, err := runtime.NewDockerClient("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

var builds sync.Map // tag → func() error, each tag built once per test binary

// HelloImages makes sure jetplane/hello:<tag> exists for each tag,
// building what is missing or older than the sources.
func HelloImages(t testing.TB, tags ...string) {
	t.Helper()
	for _, tag := range tags {
		build, _ := builds.LoadOrStore(tag, sync.OnceValue(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			return helloimage.BuildDocker(ctx, tag)
		}))
		if err := build.(func() error)(); err != nil {
			t.Fatalf("hello image %s: %v", tag, err)
		}
	}
}

// NodeName is a node name no other test uses, so that a test's containers
// carry their own jetplane.node label.
func NodeName(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "dt-" + hex.EncodeToString(b)
}

// RemoveNodeContainers removes every container of the node (sandboxes
// included) when the test ends.
func RemoveNodeContainers(t testing.TB, cli *client.Client, node string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
			Filters: make(client.Filters).Add("label", runtime.LabelNode+"="+node)})
		if err != nil {
			t.Errorf("cleanup of node %s: %v", node, err)
			return
		}
		for _, c := range res.Items {
			if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
				t.Errorf("cleanup of container %s: %v", c.ID, err)
			}
		}
	})
}

// ToolImage is the image of the runtime tests' tool (testtool), built once
// per test binary.
const ToolImage = "jetplane/runtimetest:1"

var buildTool = sync.OnceValue(func() error {
	_, file, _, _ := goruntime.Caller(0)
	dir, err := os.MkdirTemp("", "jetplane-testtool-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(dir, "tool")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = filepath.Join(filepath.Dir(file), "testtool")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build testtool: %w: %s", err, out)
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	cli, err := runtime.NewDockerClient("")
	if err != nil {
		return err
	}
	defer cli.Close()
	return helloimage.BuildDockerImage(ctx, cli, ToolImage,
		[]byte("FROM scratch\nCOPY tool /tool\nENTRYPOINT [\"/tool\"]\n"), map[string][]byte{"tool": exe})
})

// Tool makes sure ToolImage exists.
func Tool(t testing.TB) {
	t.Helper()
	if err := buildTool(); err != nil {
		t.Fatalf("test tool image: %v", err)
	}
}

// Toolbox makes sure jetplane/toolbox:1 exists (toolbox.Image).
func Toolbox(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := toolbox.BuildDocker(ctx); err != nil {
		t.Fatal(err)
	}
}

// RunOnce runs cmd in a new container of image with no network, waits for
// it to exit and returns its standard output; the container is removed.
func RunOnce(t testing.TB, cli *client.Client, image string, cmd ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	created, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config:     &container.Config{Image: image, Cmd: cmd},
		HostConfig: &container.HostConfig{NetworkMode: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_, _ = cli.ContainerRemove(context.Background(), created.ID, client.ContainerRemoveOptions{Force: true})
	}()
	wait := cli.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wait.Result:
	case err := <-wait.Error:
		t.Fatal(err)
	}
	logs, err := cli.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		t.Fatal(err)
	}
	if stderr.Len() > 0 {
		t.Logf("%s: stderr: %s", image, stderr.String())
	}
	return stdout.String()
}
