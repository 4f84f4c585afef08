package runtime

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// sandboxIdle: a sandbox none of whose pod's containers runs, and for
// which nobody asked for this long, is removed: its pod has finished, or
// went while no agent ran. The agent asks for the sandbox of each of its
// pods that may run again at every resync, so theirs are never idle.
const sandboxIdle = 2 * time.Minute

// sandbox is one pod's pause container.
type sandbox struct {
	make sync.Mutex // held while the sandbox is made

	// Guarded by Docker.mu.
	id, ip  string // id "" : none runs
	touched time.Time
}

var _ PodSandboxes = (*Docker)(nil)

// RunPodSandbox returns the pod's IP, first making its sandbox (a pause
// container on the runtime's network) unless one runs.
func (d *Docker) RunPodSandbox(ctx context.Context, pod PodRef) (string, error) {
	sb, err := d.runSandbox(ctx, pod)
	return sb.ip, err
}

// AllocateIP is RunPodSandbox for a caller that knows only the pod's UID
// (the sandbox then has no host name). The engine's network assigns the
// address: preferred and inUse cannot steer it.
func (d *Docker) AllocateIP(podUID, preferred string, inUse func(string) bool) (string, error) {
	ctx, cancel := context.WithTimeout(d.ctx, 2*time.Minute)
	defer cancel()
	return d.RunPodSandbox(ctx, PodRef{UID: podUID})
}

// ReleaseIP removes the pod's sandbox, and with it the pod's address.
func (d *Docker) ReleaseIP(podUID string) {
	d.mu.Lock()
	delete(d.sandboxes, podUID)
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).
		Add("label", LabelNode+"="+d.cfg.Node, LabelRole+"="+roleSandbox, LabelPodUID+"="+podUID)})
	if err != nil {
		return
	}
	for _, c := range res.Items {
		_, _ = d.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true})
	}
}

// sandboxRef is a running sandbox: its container ID and the pod's address.
type sandboxRef struct{ id, ip string }

func (d *Docker) runSandbox(ctx context.Context, pod PodRef) (sandboxRef, error) {
	if pod.UID == "" {
		return sandboxRef{}, fmt.Errorf("pod sandbox: no pod UID")
	}
	d.mu.Lock()
	sb := d.sandboxes[pod.UID]
	if sb == nil {
		sb = &sandbox{}
		d.sandboxes[pod.UID] = sb
	}
	d.mu.Unlock()
	sb.make.Lock()
	defer sb.make.Unlock()
	d.mu.Lock()
	sb.touched = time.Now()
	ref := sandboxRef{sb.id, sb.ip}
	d.mu.Unlock()
	if ref.id != "" {
		return ref, nil
	}
	ref, err := d.createSandbox(ctx, pod)
	if err != nil {
		return sandboxRef{}, err
	}
	d.mu.Lock()
	sb.id, sb.ip, sb.touched = ref.id, ref.ip, time.Now()
	d.mu.Unlock()
	return ref, nil
}

// createSandbox starts the pod's pause container (hostname: the pod's name,
// as the kubelet sets it) and returns its ID and address.
func (d *Docker) createSandbox(ctx context.Context, pod PodRef) (sandboxRef, error) {
	if err := d.ensurePauseImage(ctx); err != nil {
		return sandboxRef{}, err
	}
	name := fmt.Sprintf("k8s_POD_%s_%s_%s_0", pod.Name, pod.Namespace, pod.UID)
	cfg := &container.Config{Image: PauseImage, Hostname: podHostname(pod.Name), Labels: map[string]string{
		LabelNode: d.cfg.Node, LabelRole: roleSandbox,
		LabelPodUID: pod.UID, LabelPodNamespace: pod.Namespace, LabelPodName: pod.Name}}
	host := &container.HostConfig{NetworkMode: container.NetworkMode(d.cfg.Network), IpcMode: "shareable"}
	if dns := pod.DNS; dns != nil && !dns.Host {
		// The pod's containers share the sandbox's resolv.conf.
		host.DNS, host.DNSSearch, host.DNSOptions = dnsAddrs(dns.Nameservers), dns.Searches, dns.Options
	}
	created, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host})
	if cerrdefs.IsConflict(err) {
		// The pod has a sandbox the registry did not know: a running one is
		// adopted, a dead one replaced.
		res, ierr := d.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
		if ierr != nil || !d.owns(res.Container) {
			return sandboxRef{}, fmt.Errorf("create: %w", err)
		}
		if res.Container.State != nil && res.Container.State.Running {
			if ip := inspectedIP(res.Container, d.cfg.Network); ip != "" {
				return sandboxRef{res.Container.ID, ip}, nil
			}
		}
		_, _ = d.cli.ContainerRemove(ctx, res.Container.ID, client.ContainerRemoveOptions{Force: true})
		created, err = d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host})
	}
	if err != nil {
		return sandboxRef{}, fmt.Errorf("create: %w", err)
	}
	remove := func() {
		_, _ = d.cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
	}
	if _, err := d.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		remove()
		return sandboxRef{}, fmt.Errorf("start: %w", err)
	}
	res, err := d.cli.ContainerInspect(ctx, created.ID, client.ContainerInspectOptions{})
	if err != nil {
		remove()
		return sandboxRef{}, fmt.Errorf("inspect: %w", err)
	}
	ip := inspectedIP(res.Container, d.cfg.Network)
	if ip == "" {
		remove()
		return sandboxRef{}, fmt.Errorf("no address on network %q: %w", d.cfg.Network, ErrNoAddress)
	}
	return sandboxRef{created.ID, ip}, nil
}

// networkIP is a container's address on the named network, "" if none.
func networkIP(networks map[string]*network.EndpointSettings, name string) string {
	if ep := networks[name]; ep != nil && ep.IPAddress.IsValid() {
		return ep.IPAddress.String()
	}
	return ""
}

// podHostname is the pod's name cut to a valid host name, as the kubelet
// cuts it (63 characters, no trailing '-' or '.').
func podHostname(name string) string {
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-.")
	}
	return name
}

// syncSandboxes keeps the sandboxes true to the engine, from one listing:
//   - running sandboxes of an earlier agent are adopted, dead ones removed;
//   - a running container whose sandbox is not the pod's running one (the
//     sandbox died or was removed) is killed: it restarts in a new sandbox,
//     as the kubelet restarts a pod's containers when its sandbox changes;
//   - idle sandboxes (sandboxIdle) are removed.
func (d *Docker) syncSandboxes(ctx context.Context, sandboxes, containers []container.Summary) {
	now := time.Now()
	running := map[string]bool{} // sandbox IDs
	var dead []string
	d.mu.Lock()
	for _, s := range sandboxes {
		uid := s.Labels[LabelPodUID]
		sb := d.sandboxes[uid]
		if s.State != container.StateRunning {
			if sb != nil && sb.id == s.ID {
				sb.id, sb.ip = "", ""
			}
			if now.Sub(time.Unix(s.Created, 0)) > time.Minute { // not one being made right now
				dead = append(dead, s.ID)
			}
			continue
		}
		running[s.ID] = true
		if sb == nil {
			sb = &sandbox{touched: now}
			d.sandboxes[uid] = sb
		}
		if sb.id == "" {
			if a := sandboxIP(s, d.cfg.Network); a != "" {
				sb.id, sb.ip = s.ID, a
			}
		}
	}
	// Registered sandboxes missing from the listing were removed.
	listed := map[string]bool{}
	for _, s := range sandboxes {
		listed[s.ID] = true
	}
	used := map[string]bool{} // pod UIDs with running containers
	var stale []string
	for _, c := range containers {
		if c.State != container.StateRunning {
			continue
		}
		used[c.Labels[LabelPodUID]] = true
		joined := strings.TrimPrefix(c.HostConfig.NetworkMode, "container:")
		if !running[joined] {
			stale = append(stale, c.ID)
		}
	}
	var idle []string
	for uid, sb := range d.sandboxes {
		if sb.id != "" && !listed[sb.id] {
			sb.id, sb.ip = "", ""
		}
		if sb.id != "" && !used[uid] && now.Sub(sb.touched) > sandboxIdle {
			idle = append(idle, sb.id)
			delete(d.sandboxes, uid)
		}
	}
	d.mu.Unlock()
	for _, id := range stale {
		_ = d.kill(ctx, ContainerID(id), "SIGKILL")
	}
	for _, id := range append(dead, idle...) {
		_, _ = d.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true})
	}
}

func sandboxIP(s container.Summary, network string) string {
	if s.NetworkSettings == nil {
		return ""
	}
	return networkIP(s.NetworkSettings.Networks, network)
}

func inspectedIP(c container.InspectResponse, network string) string {
	if c.NetworkSettings == nil {
		return ""
	}
	return networkIP(c.NetworkSettings.Networks, network)
}

// dnsAddrs parses nameservers, dropping what is not an address (the
// gateway's validation refuses those already).
func dnsAddrs(servers []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range servers {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Gateway is the host's address on the pods' network (the bridge's), where
// a service of the host such as the cluster DNS is reachable from pods.
func (d *Docker) Gateway(ctx context.Context) (string, error) {
	res, err := d.cli.NetworkInspect(ctx, d.cfg.Network, client.NetworkInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("network %s: %w", d.cfg.Network, err)
	}
	for _, c := range res.Network.IPAM.Config {
		if c.Gateway.IsValid() && c.Gateway.Is4() {
			return c.Gateway.String(), nil
		}
		// The default bridge may not say: its gateway is the subnet's
		// first address, as Docker assigns it.
		if c.Subnet.IsValid() && c.Subnet.Addr().Is4() {
			return c.Subnet.Masked().Addr().Next().String(), nil
		}
	}
	return "", fmt.Errorf("network %s: no IPv4 gateway: %w", d.cfg.Network, ErrNoAddress)
}
