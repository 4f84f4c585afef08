package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// List reports the node's containers (sandboxes aside), adopting those an
// earlier agent started: their output is followed from now on. It also
// keeps the sandboxes true (see syncSandboxes).
func (d *Docker) List(ctx context.Context) ([]ContainerInfo, error) {
	res, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", LabelNode+"="+d.cfg.Node)})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := make([]ContainerInfo, 0, len(res.Items))
	var sandboxes, containers []container.Summary
	seen := map[ContainerID]bool{}
	for _, c := range res.Items {
		if c.Labels[LabelRole] == roleSandbox {
			sandboxes = append(sandboxes, c)
			continue
		}
		info, err := d.info(ctx, c)
		if errors.Is(err, ErrNotFound) {
			continue // removed since the listing
		} else if err != nil {
			return nil, err
		}
		seen[info.ID] = true
		containers = append(containers, c)
		out = append(out, info)
	}
	d.mu.Lock()
	for id := range d.inspected {
		if !seen[id] {
			delete(d.inspected, id)
		}
	}
	d.mu.Unlock()
	d.syncSandboxes(ctx, sandboxes, containers)
	if d.sink() != nil {
		for _, c := range out {
			if c.State.Phase == Running && d.reserveFollow(c.ID) {
				go d.streamLogs(c.ID, c.Spec, time.Now())
			}
		}
	}
	return out, nil
}

// info is the container as the runtime reports it, inspected only when its
// engine state differs from the last inspection.
func (d *Docker) info(ctx context.Context, c container.Summary) (ContainerInfo, error) {
	id := ContainerID(c.ID)
	d.mu.Lock()
	cached, ok := d.inspected[id]
	d.mu.Unlock()
	if ok && cached.state == c.State {
		return cached.info, nil
	}
	res, err := d.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
	if err != nil {
		return ContainerInfo{}, d.notFound(id, err)
	}
	info := infoOf(res.Container)
	if res.Container.State != nil {
		d.mu.Lock()
		d.inspected[id] = inspected{state: res.Container.State.Status, info: info}
		d.mu.Unlock()
	}
	return info, nil
}

// Status inspects one container.
func (d *Docker) Status(ctx context.Context, id ContainerID) (ContainerState, error) {
	res, err := d.cli.ContainerInspect(ctx, string(id), client.ContainerInspectOptions{})
	if err != nil {
		return ContainerState{}, d.notFound(id, err)
	}
	return infoOf(res.Container).State, nil
}

// infoOf maps an inspection to a ContainerInfo: the spec from the labels,
// the state with Kubernetes' reasons (Completed, Error, OOMKilled).
func infoOf(c container.InspectResponse) ContainerInfo {
	info := ContainerInfo{ID: ContainerID(c.ID), ImageID: c.Image}
	if c.Config != nil {
		info.Spec = specFromLabels(c.Config.Labels)
	}
	st := c.State
	if st == nil {
		info.State = ContainerState{Phase: Waiting, Reason: "ContainerCreating"}
		return info
	}
	info.State.StartedAt = engineTime(st.StartedAt)
	switch st.Status {
	case container.StateRunning, container.StatePaused, container.StateRestarting:
		info.State.Phase = Running
	case container.StateCreated:
		info.State.Phase, info.State.Reason = Waiting, "ContainerCreating"
	default: // exited, dead, removing
		info.State.Phase = Exited
		info.State.FinishedAt = engineTime(st.FinishedAt)
		info.State.ExitCode = st.ExitCode // 128+signal when killed
		info.State.Message = st.Error
		switch {
		case st.OOMKilled:
			info.State.Reason = "OOMKilled"
		case st.ExitCode == 0:
			info.State.Reason = "Completed"
		default:
			info.State.Reason = "Error"
		}
	}
	return info
}

// engineTime parses the engine's RFC 3339 times; its zero time
// (0001-01-01T00:00:00Z) and anything unreadable are the zero time.
func engineTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}
