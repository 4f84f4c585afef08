package toolbox

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/jetplane/jetplane/examples/hello/helloimage"
	"github.com/moby/moby/client"
)

// Image is the toolbox's reference.
const Image = "jetplane/toolbox:1"

// Busybox is where Debian's busybox-static puts the static binary.
const Busybox = "/bin/busybox"

//go:embed Dockerfile
var dockerfile []byte

// ErrNoBusybox: the machine has no static busybox to put in the image.
var ErrNoBusybox = errors.New("no " + Busybox + ": install Debian's busybox-static (make docker-images does)")

// BuildDocker builds Image on the engine ($DOCKER_HOST or the default
// socket) unless it is there already.
func BuildDocker(ctx context.Context) error {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return fmt.Errorf("toolbox image: %w", err)
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, Image); err == nil {
		return nil
	} else if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("toolbox image: %w", err)
	}
	bin, err := os.ReadFile(Busybox)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("toolbox image: %w", ErrNoBusybox)
	} else if err != nil {
		return fmt.Errorf("toolbox image: %w", err)
	}
	if err := helloimage.BuildDockerImage(ctx, cli, Image, dockerfile, map[string][]byte{"busybox": bin}); err != nil {
		return fmt.Errorf("toolbox image: %w", err)
	}
	return nil
}
