package nodeagent

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/podenv"
	"github.com/jetplane/jetplane/servicelinks"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	corev1 "k8s.io/api/core/v1"
)

// configure gives spec container c's environment (podenv: envFrom, env,
// the downward API, then the Services' variables the container does not
// set) and its command and args with $(VAR) expanded, as the kubelet
// does, and its volumes as mounts (volumes.go). ConfigMaps come from the projection; Secrets from the control
// plane (they are sealed in the log). A *podenv.ConfigError says what is
// missing.
func (a *agent) configure(ctx context.Context, spec *runtime.ContainerSpec, pod *corev1.Pod, c *corev1.Container, ip string) error {
	vars, err := podenv.Env(pod, c, a.sources(ctx, pod, ip))
	if err != nil {
		return err
	}
	if _, hollow := a.cfg.Runtime.(runtime.Simulated); !hollow { // nothing there would read a file
		paths, err := a.setUpVolumes(ctx, pod, ip)
		if err != nil {
			return err
		}
		if spec.Mounts, err = mountsOf(c, paths); err != nil {
			return err
		}
	}
	spec.Env = spec.Env[:0]
	for _, v := range vars {
		spec.Env = append(spec.Env, runtime.EnvVar{Name: v.Name, Value: v.Value})
	}
	spec.Env = withServiceLinks(spec.Env, servicelinks.Env(pod, a.servicesFor(pod)))
	values := make(map[string]string, len(spec.Env))
	for _, e := range spec.Env {
		values[e.Name] = e.Value
	}
	lookup := func(name string) (string, bool) { v, ok := values[name]; return v, ok }
	expand := func(in []string) []string {
		if in == nil {
			return nil
		}
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = podenv.Expand(s, lookup)
		}
		return out
	}
	spec.Command, spec.Args = expand(c.Command), expand(c.Args)
	return nil
}

// sources are where pod's environment is read from on this node.
func (a *agent) sources(ctx context.Context, pod *corev1.Pod, ip string) podenv.Sources {
	return podenv.Sources{
		ConfigMap: func(name string) (*corev1.ConfigMap, error) {
			e := a.proj.State().Live("configmaps", pod.Namespace, name)
			if e == nil {
				return nil, podenv.ErrNotFound
			}
			return e.Object.(*corev1.ConfigMap), nil
		},
		Secret: func(name string) (map[string][]byte, error) {
			data, err := a.cfg.Log.FetchSecret(ctx, a.cfg.NodeName, pod.Namespace, name)
			if errors.Is(err, events.ErrNotFound) {
				return nil, podenv.ErrNotFound
			}
			if err != nil {
				return nil, &podenv.ConfigError{Message: fmt.Sprintf("secret %q: %v", name, err)}
			}
			return data, nil
		},
		PodIP:           ip,
		HostIP:          a.cfg.NodeIP,
		NodeAllocatable: nodeCapacity(a.cfg, a.machine.cpus, a.machine.memBytes),
	}
}
