package runtime

import (
	"context"
	"errors"
	"os"
	"testing"
)

// Who a container runs as: the pod's user, else the configured default,
// else nobody — under a root agent. An unprivileged agent runs everything
// as itself and says so, even for a user it could not name.
func TestProcessRunsAs(t *testing.T) {
	id := func(v int64) *int64 { return &v }
	def, err := NewProcess(ProcessConfig{ImagesDir: images(t)})
	if err != nil {
		t.Fatal(err)
	}
	custom, err := NewProcess(ProcessConfig{ImagesDir: images(t), DefaultRunAsUser: id(4321), DefaultRunAsGroup: id(4321)})
	if err != nil {
		t.Fatal(err)
	}
	root := os.Geteuid() == 0
	for _, c := range []struct {
		rt   *Process
		spec ContainerSpec
		want int
	}{
		{def, ContainerSpec{}, 65534},
		{def, ContainerSpec{RunAsUser: id(1234)}, 1234},
		{def, ContainerSpec{RunAsUser: id(0)}, 0},
		{custom, ContainerSpec{}, 4321},
	} {
		want := c.want
		if !root {
			want = os.Geteuid()
		}
		if got, err := c.rt.RunsAs(c.spec); err != nil || got != want {
			t.Errorf("RunsAs(%+v) = %d, %v; want %d", c.spec, got, err, want)
		}
	}
	// A user no credential can carry is the pod's configuration error.
	_, err = def.Start(context.Background(), ContainerSpec{Name: "c", Image: "jetplane/hello:1", Command: []string{"true"}, RunAsUser: id(-1)})
	var se *StartError
	switch {
	case root && (!errors.As(err, &se) || se.Reason != "CreateContainerConfigError"):
		t.Errorf("runAsUser -1: %v", err)
	case !root && err != nil:
		t.Errorf("runAsUser -1 under an unprivileged agent (runs as the agent): %v", err)
	}
}
