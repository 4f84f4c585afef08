package helloimage_test

import (
	"context"
	"testing"
	"time"

	"github.com/jetplane/jetplane/examples/hello/helloimage"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/moby/moby/client"
)

func TestBuildDockerMakesAScratchImageOnce(t *testing.T) {
	cli := dockertest.Engine(t)
	tag := dockertest.NodeName(t) // a tag no other test process builds
	ref := helloimage.DockerRepo + ":" + tag
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := helloimage.BuildDocker(ctx, tag); err != nil {
		t.Fatal(err)
	}
	img, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	c := img.Config
	if c == nil || len(c.Entrypoint) != 1 || c.Entrypoint[0] != "/hello" || c.User != "65534:65534" || len(img.RootFS.Layers) != 1 {
		t.Fatalf("image %+v config %+v", img.RootFS, c)
	}
	// Up to date: left alone.
	if err := helloimage.BuildDocker(ctx, tag); err != nil {
		t.Fatal(err)
	}
	again, err := cli.ImageInspect(ctx, ref)
	if err != nil || again.ID != img.ID {
		t.Fatalf("rebuilt: %s then %s (%v)", img.ID, again.ID, err)
	}
}
