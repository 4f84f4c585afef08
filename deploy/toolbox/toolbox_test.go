package toolbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/jetplane/jetplane/deploy/toolbox"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
)

// TestToolboxHasTheTutorialsCommands builds the image and runs each
// command the tests and tutorials rely on in a real container.
func TestToolboxHasTheTutorialsCommands(t *testing.T) {
	cli := dockertest.Engine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := toolbox.BuildDocker(ctx); err != nil {
		t.Fatal(err)
	}
	img, err := cli.ImageInspect(ctx, toolbox.Image)
	if err != nil {
		t.Fatal(err)
	}
	if img.Config == nil || len(img.Config.Cmd) != 1 || img.Config.Cmd[0] != "sh" {
		t.Fatalf("toolbox command: %+v", img.Config)
	}
	out := dockertest.RunOnce(t, cli, toolbox.Image, "sh", "-c",
		"for c in sh nslookup wget env cat tar sleep; do which $c; done")
	want := "/bin/sh\n/bin/nslookup\n/bin/wget\n/bin/env\n/bin/cat\n/bin/tar\n/bin/sleep\n"
	if out != want {
		t.Fatalf("commands in the toolbox:\n%s\nwant\n%s", out, want)
	}
}
