package helloimage

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
)

// DockerRepo is the repository of the Docker images: jetplane/hello:<tag>.
const DockerRepo = "jetplane/hello"

// BuildDocker builds the Docker image jetplane/hello:<tag> of each tag
// through the engine's build API, from deploy/hello.Dockerfile and the
// static binary Build makes. An image newer than the hello sources and the
// Dockerfile is left alone, as is any image present when the sources are
// not (an installed binary). The engine is the one $DOCKER_HOST names,
// else the default socket.
func BuildDocker(ctx context.Context, tags ...string) error {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return fmt.Errorf("hello docker image: %w", err)
	}
	defer cli.Close()
	// Without the sources (an installed binary), images present will do.
	src, srcErr := sourceDir()
	var df []byte
	var newest time.Time
	if srcErr == nil {
		dockerfile := filepath.Join(src, "..", "..", "deploy", "hello.Dockerfile")
		if df, err = os.ReadFile(dockerfile); err != nil {
			return fmt.Errorf("hello docker image: %w", err)
		}
		newest = newestSource(src)
		if st, err := os.Stat(dockerfile); err == nil && st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	bins := ""
	defer func() {
		if bins != "" {
			os.RemoveAll(bins)
		}
	}()
	for _, tag := range tags {
		ref := DockerRepo + ":" + tag
		img, err := cli.ImageInspect(ctx, ref)
		if err == nil {
			created, perr := time.Parse(time.RFC3339Nano, img.Created)
			if srcErr != nil || (perr == nil && !created.Before(newest)) {
				continue
			}
		} else if !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("hello docker image %s: %w", ref, err)
		} else if srcErr != nil {
			return fmt.Errorf("hello docker image %s: not on the engine, and %w", ref, srcErr)
		}
		if bins == "" {
			if bins, err = os.MkdirTemp("", "jetplane-hello-docker-"); err != nil {
				return fmt.Errorf("hello docker image: %w", err)
			}
		}
		if err := Build(ctx, bins, tag); err != nil {
			return err
		}
		bin, err := os.ReadFile(Path(bins, tag))
		if err != nil {
			return fmt.Errorf("hello docker image %s: %w", ref, err)
		}
		if err := BuildDockerImage(ctx, cli, ref, df, map[string][]byte{"hello": bin}); err != nil {
			return fmt.Errorf("hello docker image %s: %w", ref, err)
		}
	}
	return nil
}

// BuildDockerImage builds ref from a Dockerfile whose context holds only
// executables (name → content), through the engine's classic builder, which
// needs no BuildKit session. Tests use it for images of their own tools.
func BuildDockerImage(ctx context.Context, cli *client.Client, ref string, dockerfile []byte, executables map[string][]byte) error {
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	add := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)),
			ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("Dockerfile", 0o644, dockerfile); err != nil {
		return err
	}
	for name, data := range executables {
		if err := add(name, 0o755, data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := cli.ImageBuild(ctx, &tarball, client.ImageBuildOptions{Tags: []string{ref}, Dockerfile: "Dockerfile",
		NoCache: true, Remove: true, ForceRemove: true, Version: build.BuilderV1})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var out bytes.Buffer
	if err := jsonmessage.DisplayJSONMessagesStream(res.Body, &out, 0, false, nil); err != nil {
		return fmt.Errorf("%w: %s", err, tail(out.String()))
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return nil
}

// tail is the end of the builder's output, for errors.
func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}
