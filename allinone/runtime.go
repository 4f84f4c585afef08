package allinone

import (
	"context"
	"path/filepath"
	"time"

	"github.com/jetplane/jetplane/examples/hello/helloimage"
	"github.com/jetplane/jetplane/services/nodeagent"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
)

// nodeRuntime makes the local node's runtime: the one o.Runtime names, or
// (DESIGN §6) docker when a Docker engine answers and the hello images are
// there or can be built, else process. keep: its containers outlive up.
func nodeRuntime(ctx context.Context, o Options) (rt runtime.Runtime, keep bool, err error) {
	kind := o.Runtime
	if kind == "" {
		kind = chooseRuntime(ctx)
	}
	return nodeagent.NewRuntime(nodeagent.RuntimeOptions{Kind: kind, NodeName: o.NodeName, ImagesDir: o.ImagesDir,
		StateDir: filepath.Join(o.DataDir, "nodes", o.NodeName, "process")})
}

func chooseRuntime(ctx context.Context) string {
	log := logrus.WithField("service", "up")
	if err := runtime.DockerAvailable(ctx, ""); err != nil {
		log.WithError(err).Info("no Docker engine: the node runs the process runtime")
		return nodeagent.RuntimeProcess
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := helloimage.BuildDocker(ctx, "1", "2", "broken"); err != nil {
		log.WithError(err).Warn("no jetplane/hello images: the node runs the process runtime")
		return nodeagent.RuntimeProcess
	}
	log.Info("the node runs the docker runtime")
	return nodeagent.RuntimeDocker
}
