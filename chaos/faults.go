package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// Fault is one kind of fault on one target: "kill:nats-1",
// "pause:leader/replicacontroller@20s", "partition:host-3", "disk:nats-3".
// A target is a compose service, "events-leader" (the NATS node leading the
// EVENTS stream) or "leader/<service>" (the instance holding the lease);
// "@" gives how long the fault lasts (Config.Down when absent).
type Fault struct {
	Action, Target string
	For            time.Duration
}

// ParseFault reads "action:target[@duration]".
func ParseFault(s string) (Fault, error) {
	spec, dur, timed := strings.Cut(s, "@")
	var d time.Duration
	if timed {
		var err error
		if d, err = time.ParseDuration(dur); err != nil || d <= 0 {
			return Fault{}, fmt.Errorf("chaos: fault %q: the duration after @ must be positive, like 20s", s)
		}
	}
	a, t, ok := strings.Cut(spec, ":")
	switch {
	case !ok || t == "":
		return Fault{}, fmt.Errorf("chaos: fault %q: want action:target", s)
	case a != "kill" && a != "pause" && a != "partition" && a != "disk":
		return Fault{}, fmt.Errorf("chaos: fault %q: action must be kill, pause, partition or disk", s)
	}
	return Fault{a, t, d}, nil
}

// DefaultFaults is every fault the issue names, once each. A leader is
// paused for longer than its 15 s lease, so a standby takes over while it
// sleeps and must be fenced when it wakes.
var DefaultFaults = []string{
	"kill:nats-1", "kill:events-leader", "kill:gateway-1",
	"kill:leader/scheduler", "kill:leader/replicacontroller", "kill:leader/endpointcontroller", "kill:host-2",
	"pause:leader/replicacontroller@20s", "pause:leader/scheduler@20s", "pause:nats-2@10s",
	"partition:nats-3@15s", "partition:host-3@20s", "disk:nats-3@15s",
}

// docker injects faults into the compose project's containers.
type docker struct {
	cli     *client.Client
	project string
}

func (d *docker) container(service string) string { return d.project + "_" + service + "_1" }

// resolve names the compose service a target is now.
func (r *runner) resolve(ctx context.Context, target string) (string, error) {
	switch {
	case target == "events-leader":
		info, err := r.cfg.Log.Info(ctx)
		if err != nil {
			return "", fmt.Errorf("chaos: the EVENTS leader: %w", err)
		}
		if info.Leader == "" {
			return "", fmt.Errorf("chaos: the EVENTS stream has no leader")
		}
		return info.Leader, nil
	case strings.HasPrefix(target, "leader/"):
		e, err := r.cfg.Leases.Get(ctx, "leader."+strings.TrimPrefix(target, "leader/"))
		if err != nil {
			return "", fmt.Errorf("chaos: %s: %w", target, err)
		}
		var spec struct {
			HolderIdentity string `json:"holderIdentity"`
		}
		if err := json.Unmarshal(e.Value, &spec); err != nil || spec.HolderIdentity == "" {
			return "", fmt.Errorf("chaos: %s: no holder", target)
		}
		source, _, _ := strings.Cut(spec.HolderIdentity, "#") // jetplane/<service>/<instance>#<incarnation>
		return source[strings.LastIndexByte(source, '/')+1:], nil
	}
	return target, nil
}

// inject applies the fault to service and returns its heal.
func (d *docker) inject(ctx context.Context, f Fault, service string) (heal func(context.Context) error, err error) {
	name := d.container(service)
	switch f.Action {
	case "kill":
		if _, err := d.cli.ContainerKill(ctx, name, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error { return d.start(ctx, name) }, nil
	case "pause":
		if _, err := d.cli.ContainerPause(ctx, name, client.ContainerPauseOptions{}); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			_, err := d.cli.ContainerUnpause(ctx, name, client.ContainerUnpauseOptions{})
			return err
		}, nil
	case "partition":
		return d.partition(ctx, name)
	case "disk":
		return d.fillDisk(ctx, service)
	}
	return nil, fmt.Errorf("chaos: unknown action %q", f.Action)
}

func (d *docker) start(ctx context.Context, name string) error {
	_, err := d.cli.ContainerStart(ctx, name, client.ContainerStartOptions{})
	return err
}

// partition cuts the container off every network it is on; the heal puts
// it back with its addresses and names.
func (d *docker) partition(ctx context.Context, name string) (func(context.Context) error, error) {
	res, err := d.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return nil, err
	}
	saved := map[string]*network.EndpointSettings{}
	for net, ep := range res.Container.NetworkSettings.Networks {
		saved[net] = &network.EndpointSettings{Aliases: ep.Aliases,
			IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: ep.IPAddress}}
		if _, err := d.cli.NetworkDisconnect(ctx, net, client.NetworkDisconnectOptions{Container: name, Force: true}); err != nil {
			return nil, fmt.Errorf("chaos: disconnect %s from %s: %w", name, net, err)
		}
	}
	return func(ctx context.Context) error {
		for net, ep := range saved {
			if _, err := d.cli.NetworkConnect(ctx, net, client.NetworkConnectOptions{Container: name, EndpointConfig: ep}); err != nil {
				return fmt.Errorf("chaos: reconnect %s to %s: %w", name, net, err)
			}
		}
		return nil
	}, nil
}

// fillDisk fills the service's data disk (the size-limited volume its
// <service>-disk companion holds, deploy/compose.yaml) to the last byte.
// The heal frees it and restarts the service: a NATS server whose disk
// filled turns JetStream off until it restarts, as NATS documents.
func (d *docker) fillDisk(ctx context.Context, service string) (func(context.Context) error, error) {
	disk := d.container(service + "-disk")
	// dd stops with "No space left on device": that is the point.
	code, err := d.exec(ctx, disk, "dd", "if=/dev/zero", "of=/data/chaos-fill", "bs=1M")
	if err != nil {
		return nil, err
	}
	if code == 0 {
		return nil, fmt.Errorf("chaos: %s's disk did not fill", service)
	}
	return func(ctx context.Context) error {
		if code, err := d.exec(ctx, disk, "rm", "-f", "/data/chaos-fill"); err != nil || code != 0 {
			return fmt.Errorf("chaos: free %s's disk: exit %d, %v", service, code, err)
		}
		if _, err := d.cli.ContainerRestart(ctx, d.container(service), client.ContainerRestartOptions{}); err != nil {
			return err
		}
		return nil
	}, nil
}

// exec runs a command in a container to its end and returns its exit code.
func (d *docker) exec(ctx context.Context, container string, cmd ...string) (int, error) {
	ex, err := d.cli.ExecCreate(ctx, container, client.ExecCreateOptions{Cmd: cmd})
	if err != nil {
		return 0, fmt.Errorf("chaos: exec %v in %s: %w", cmd, container, err)
	}
	if _, err := d.cli.ExecStart(ctx, ex.ID, client.ExecStartOptions{Detach: true}); err != nil {
		return 0, fmt.Errorf("chaos: exec %v in %s: %w", cmd, container, err)
	}
	for {
		res, err := d.cli.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
		if err != nil {
			return 0, err
		}
		if !res.Running {
			return res.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
