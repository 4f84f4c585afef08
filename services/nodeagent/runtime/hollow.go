package runtime

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// HollowConfig configures a hollow runtime.
type HollowConfig struct {
	// PodCIDR is the node's pod address range (IPv4, /8 to /30), e.g.
	// "10.64.3.0/24", as Kubernetes' node.spec.podCIDR. Empty: the next
	// /24 of 10.0.0.0/8 no other hollow runtime of this OS process took.
	PodCIDR string
	// Now is the clock of start and finish times; default time.Now.
	Now func() time.Time
}

// Hollow simulates containers for load tests: Start returns at once with a
// running container and no process, Stop ends it (exit 0, or 137 with no
// grace), Exec answers 0. A pod's IP comes from the node's PodCIDR. It
// keeps a few hundred bytes per container, so one OS process can hold the
// pods of a thousand hollow nodes.
type Hollow struct {
	now   func() time.Time
	first uint32 // first usable address of the range, as a number
	size  uint32 // usable addresses

	mu         sync.Mutex
	containers map[ContainerID]*ContainerInfo
	byPod      map[podName]map[ContainerID]*ContainerInfo
	ips        map[string]uint32 // pod UID → address
	owners     map[uint32]string // address → pod UID
	cursor     uint32            // where the search for a free address starts
}

var (
	_ Runtime   = (*Hollow)(nil)
	_ PodLister = (*Hollow)(nil)
)

type podName struct{ namespace, name string }

var (
	hollowBlocks atomic.Uint32 // /24 blocks of 10.0.0.0/8 handed out in this process
	hollowIDs    atomic.Uint64 // container IDs, unique in the process
)

// NewHollow makes a hollow runtime.
func NewHollow(cfg HollowConfig) (*Hollow, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cidr := cfg.PodCIDR
	if cidr == "" {
		n := hollowBlocks.Add(1) - 1
		if n >= 1<<16 {
			return nil, fmt.Errorf("hollow runtime: 10.0.0.0/8 is used up: %w", ErrNoAddress)
		}
		cidr = fmt.Sprintf("10.%d.%d.0/24", n>>8, n&0xff)
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() < 8 || p.Bits() > 30 {
		return nil, fmt.Errorf("hollow runtime: pod CIDR %q: want an IPv4 range from /8 to /30", cidr)
	}
	network := binary.BigEndian.Uint32(p.Masked().Addr().AsSlice())
	return &Hollow{now: cfg.Now, first: network + 1, size: 1<<(32-p.Bits()) - 2, // no network nor broadcast address
		containers: map[ContainerID]*ContainerInfo{}, byPod: map[podName]map[ContainerID]*ContainerInfo{}, ips: map[string]uint32{}, owners: map[uint32]string{}}, nil
}

func (h *Hollow) Name() string { return "hollow" }

// Simulated: a hollow container is no process, and its pod gets no files.
func (h *Hollow) Simulated()      {}
func (h *Hollow) Version() string { return "1" }

// Start makes a running container of any image at once.
func (h *Hollow) Start(ctx context.Context, spec ContainerSpec) (ContainerID, error) {
	id := ContainerID(fmt.Sprintf("%016x", hollowIDs.Add(1)))
	h.mu.Lock()
	defer h.mu.Unlock()
	c := &ContainerInfo{ID: id, Spec: spec, ImageID: "hollow://" + spec.Image,
		State: ContainerState{Phase: Running, StartedAt: h.now()}}
	h.containers[id] = c
	pn := podName{spec.Namespace, spec.PodName}
	if h.byPod[pn] == nil {
		h.byPod[pn] = map[ContainerID]*ContainerInfo{}
	}
	h.byPod[pn][id] = c
	return id, nil
}

// Stop ends the container: exit 0, as a process that honours SIGTERM at
// once; with no grace it is killed (137).
func (h *Hollow) Stop(ctx context.Context, id ContainerID, grace time.Duration) error {
	code := 0
	if grace <= 0 {
		code = 137
	}
	return h.Exit(id, code)
}

// Exit ends a running container with code, as if its process had exited
// (137: killed); load tests use it to make restarts.
func (h *Hollow) Exit(id ContainerID, code int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.containers[id]
	if !ok {
		return fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	if c.State.Phase != Running {
		return nil
	}
	c.State.Phase, c.State.FinishedAt, c.State.ExitCode, c.State.Reason = Exited, h.now(), code, "Completed"
	if code != 0 {
		c.State.Reason = "Error"
	}
	return nil
}

// Remove forgets an ended container.
func (h *Hollow) Remove(ctx context.Context, id ContainerID) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.containers[id]
	if !ok {
		return fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	if c.State.Phase == Running {
		return fmt.Errorf("remove container %s: still running", id)
	}
	delete(h.containers, id)
	pn := podName{c.Spec.Namespace, c.Spec.PodName}
	if delete(h.byPod[pn], id); len(h.byPod[pn]) == 0 {
		delete(h.byPod, pn)
	}
	return nil
}

func (h *Hollow) Status(ctx context.Context, id ContainerID) (ContainerState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.containers[id]
	if !ok {
		return ContainerState{}, fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	return c.State, nil
}

func (h *Hollow) List(ctx context.Context) ([]ContainerInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]ContainerInfo, 0, len(h.containers))
	for _, c := range h.containers {
		out = append(out, *c)
	}
	return out, nil
}

// ListPod lists the containers of one pod name.
func (h *Hollow) ListPod(ctx context.Context, namespace, name string) ([]ContainerInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := h.byPod[podName{namespace, name}]
	out := make([]ContainerInfo, 0, len(cs))
	for _, c := range cs {
		out = append(out, *c)
	}
	return out, nil
}

// Exec succeeds in a running container.
func (h *Hollow) Exec(ctx context.Context, id ContainerID, cmd []string) (ExecResult, error) {
	if len(cmd) == 0 {
		return ExecResult{}, errors.New("exec: empty command")
	}
	st, err := h.Status(ctx, id)
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s: %w", id, err)
	}
	if st.Phase != Running {
		return ExecResult{}, fmt.Errorf("exec in %s: container is not running", id)
	}
	return ExecResult{}, nil
}

// AllocateIP gives the pod the address it has, else preferred when it is
// in the range, free here and not inUse, else the next free address not
// inUse. inUse is asked only when a pod first gets an address.
func (h *Hollow) AllocateIP(podUID, preferred string, inUse func(string) bool) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a, ok := h.ips[podUID]; ok {
		return ipString(a), nil
	}
	if a, ok := h.inRange(preferred); ok && h.owners[a] == "" && (inUse == nil || !inUse(preferred)) {
		h.take(podUID, a)
		return preferred, nil
	}
	for n := uint32(0); n < h.size; n++ {
		a := h.first + (h.cursor+n)%h.size
		if h.owners[a] == "" && (inUse == nil || !inUse(ipString(a))) {
			h.cursor = (h.cursor + n + 1) % h.size
			h.take(podUID, a)
			return ipString(a), nil
		}
	}
	return "", fmt.Errorf("pod %s: %w", podUID, ErrNoAddress)
}

func (h *Hollow) take(uid string, a uint32) {
	h.ips[uid] = a
	h.owners[a] = uid
}

func (h *Hollow) ReleaseIP(podUID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a, ok := h.ips[podUID]; ok {
		delete(h.ips, podUID)
		delete(h.owners, a)
	}
}

func (h *Hollow) inRange(ip string) (uint32, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil || !addr.Is4() {
		return 0, false
	}
	a := binary.BigEndian.Uint32(addr.AsSlice())
	return a, a >= h.first && a-h.first < h.size
}

func ipString(a uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], a)
	return netip.AddrFrom4(b).String()
}
