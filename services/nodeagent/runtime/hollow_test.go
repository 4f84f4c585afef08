package runtime

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestHollowContainers(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h, err := NewHollow(HollowConfig{PodCIDR: "10.200.7.0/24", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if h.Name() != "hollow" || h.Version() != "1" {
		t.Fatalf("%s %s", h.Name(), h.Version())
	}
	spec := ContainerSpec{PodUID: "u1", Namespace: "default", PodName: "p", Name: "c", Image: "any/image:never-built"}
	ids := map[string]ContainerID{}
	for _, name := range []string{"stopped", "killed", "exited", "crashed", "running"} {
		spec.PodName = name
		id, err := h.Start(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	clock = clock.Add(time.Minute)
	for _, step := range []struct {
		name string
		act  func(ContainerID) error
	}{
		{"stopped", func(id ContainerID) error { return h.Stop(ctx, id, 30*time.Second) }},
		{"killed", func(id ContainerID) error { return h.Stop(ctx, id, 0) }},
		{"exited", func(id ContainerID) error { return h.Exit(id, 0) }},
		{"crashed", func(id ContainerID) error { return h.Exit(id, 137) }},
	} {
		if err := step.act(ids[step.name]); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
	start, end := clock.Add(-time.Minute), clock
	cases := []struct {
		name string
		want ContainerState
	}{
		{"running", ContainerState{Phase: Running, StartedAt: start}},
		{"stopped", ContainerState{Phase: Exited, StartedAt: start, FinishedAt: end, Reason: "Completed"}},
		{"killed", ContainerState{Phase: Exited, StartedAt: start, FinishedAt: end, ExitCode: 137, Reason: "Error"}},
		{"exited", ContainerState{Phase: Exited, StartedAt: start, FinishedAt: end, Reason: "Completed"}},
		{"crashed", ContainerState{Phase: Exited, StartedAt: start, FinishedAt: end, ExitCode: 137, Reason: "Error"}},
	}
	for _, c := range cases {
		st, err := h.Status(ctx, ids[c.name])
		if err != nil || st != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, st, err, c.want)
		}
	}
	// Stopping again changes nothing.
	if err := h.Stop(ctx, ids["stopped"], 0); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.Status(ctx, ids["stopped"]); st.ExitCode != 0 {
		t.Fatalf("stopped twice: %+v", st)
	}
	list, _ := h.List(ctx)
	if len(list) != 5 {
		t.Fatalf("list: %+v", list)
	}
	for _, c := range list {
		if ids[c.Spec.PodName] != c.ID || c.Spec.Image != spec.Image || c.ImageID == "" {
			t.Errorf("listed %+v", c)
		}
	}
	// Exec: 0 in a running container, an error elsewhere.
	execs := []struct {
		id      ContainerID
		cmd     []string
		wantErr error
		anyErr  bool
	}{
		{ids["running"], []string{"cat", "/tmp/healthy"}, nil, false},
		{ids["stopped"], []string{"true"}, nil, true},
		{"nope", []string{"true"}, ErrNotFound, true},
		{ids["running"], nil, nil, true},
	}
	for _, e := range execs {
		res, err := h.Exec(ctx, e.id, e.cmd)
		if e.anyErr != (err != nil) || (e.wantErr != nil && !errors.Is(err, e.wantErr)) || (err == nil && res.ExitCode != 0) {
			t.Errorf("exec %s %q: %+v %v", e.id, e.cmd, res, err)
		}
	}
	// Remove: ended containers only.
	if err := h.Remove(ctx, ids["running"]); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("removed a running container: %v", err)
	}
	if err := h.Remove(ctx, ids["stopped"]); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Status(ctx, ids["stopped"]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after remove: %v", err)
	}
	for _, err := range []error{h.Remove(ctx, "nope"), h.Stop(ctx, "nope", 0)} {
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown container: %v", err)
		}
	}
}

func TestHollowAllocateIP(t *testing.T) {
	h, err := NewHollow(HollowConfig{PodCIDR: "10.9.0.0/30"}) // two usable addresses
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		uid, preferred string
		inUse          string // an address taken elsewhere
		release        bool
		want           string // "" : ErrNoAddress
	}{
		{uid: "a", want: "10.9.0.1"},
		{uid: "a", want: "10.9.0.1"},                        // the pod keeps its address
		{uid: "b", preferred: "10.9.0.1", want: "10.9.0.2"}, // a's: taken
		{uid: "c", want: ""},                                // full
		{uid: "a", release: true},
		{uid: "c", preferred: "10.9.0.3", want: "10.9.0.1"}, // the broadcast address is not a pod's
		{uid: "c", release: true},
		{uid: "d", preferred: "10.9.0.1", inUse: "10.9.0.1", want: ""}, // held by another node's pod, and .2 is b's
		{uid: "b", release: true},
		{uid: "d", preferred: "10.9.0.2", want: "10.9.0.2"}, // the address it had
		{uid: "e", preferred: "192.168.0.1", want: "10.9.0.1"},
	}
	for i, s := range steps {
		if s.release {
			h.ReleaseIP(s.uid)
			continue
		}
		got, err := h.AllocateIP(s.uid, s.preferred, func(ip string) bool { return ip == s.inUse })
		if s.want == "" {
			if !errors.Is(err, ErrNoAddress) {
				t.Fatalf("step %d (%s): %q %v, want ErrNoAddress", i, s.uid, got, err)
			}
			continue
		}
		if err != nil || got != s.want {
			t.Fatalf("step %d (%s): %q %v, want %q", i, s.uid, got, err, s.want)
		}
	}
}

func TestHollowPodCIDRs(t *testing.T) {
	// Runtimes without a PodCIDR get disjoint /24s of 10.0.0.0/8.
	seen := map[string]bool{}
	for range 3 {
		h, err := NewHollow(HollowConfig{})
		if err != nil {
			t.Fatal(err)
		}
		ip, err := h.AllocateIP("uid", "", nil)
		if err != nil || !strings.HasPrefix(ip, "10.") || !strings.HasSuffix(ip, ".1") || seen[ip] {
			t.Fatalf("%q %v (seen %v)", ip, err, seen)
		}
		seen[ip] = true
	}
	for _, bad := range []string{"10.0.0.0/31", "10.0.0.0/7", "fd00::/64", "nonsense"} {
		if _, err := NewHollow(HollowConfig{PodCIDR: bad}); err == nil {
			t.Errorf("pod CIDR %q accepted", bad)
		}
	}
	// The address space of a /16 is there to take.
	h, _ := NewHollow(HollowConfig{PodCIDR: "10.10.0.0/16"})
	for i := range 1000 {
		if _, err := h.AllocateIP(fmt.Sprint(i), "", nil); err != nil {
			t.Fatal(err)
		}
	}
}

// The memory of a hollow container is a few hundred bytes, and not a
// goroutine: 100,000 pods of 1,000 nodes fit in one load-test process.
func TestHollowIsCheap(t *testing.T) {
	const nodes, pods = 10, 1000
	runtimes := make([]*Hollow, nodes)
	goroutines := goruntime.NumGoroutine()
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	ctx := context.Background()
	for n := range runtimes {
		h, err := NewHollow(HollowConfig{PodCIDR: fmt.Sprintf("10.%d.0.0/16", 100+n)})
		if err != nil {
			t.Fatal(err)
		}
		runtimes[n] = h
		for p := range pods {
			uid := fmt.Sprintf("uid-%d-%d", n, p)
			ip, err := h.AllocateIP(uid, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.Start(ctx, ContainerSpec{PodUID: uid, Namespace: "load", PodName: uid, Name: "app",
				Image: "jetplane/hello:1", PodIP: ip}); err != nil {
				t.Fatal(err)
			}
		}
	}
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	if g := goruntime.NumGoroutine(); g > goroutines {
		t.Fatalf("%d goroutines more", g-goroutines)
	}
	perPod := (after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)) / (nodes * pods)
	if perPod > 2048 {
		t.Fatalf("%d bytes per pod", perPod)
	}
	t.Logf("about %d bytes per hollow pod", perPod)
	goruntime.KeepAlive(runtimes)
}

func TestHollowListPod(t *testing.T) {
	h, err := NewHollow(HollowConfig{PodCIDR: "10.200.8.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := func(ns, pod, name string) ContainerID {
		id, err := h.Start(ctx, ContainerSpec{PodUID: ns + pod, Namespace: ns, PodName: pod, Name: name, Image: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a1, _, _ := start("default", "a", "c1"), start("default", "a", "c2"), start("other", "a", "c1")
	start("default", "b", "c1")
	names := func(ns, pod string) string {
		list, err := h.ListPod(ctx, ns, pod)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range list {
			out = append(out, c.Spec.Namespace+"/"+c.Spec.PodName+"/"+c.Spec.Name)
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	if got := names("default", "a"); got != "default/a/c1 default/a/c2" {
		t.Fatalf("default/a: %s", got)
	}
	if err := h.Stop(ctx, a1, time.Second); err != nil {
		t.Fatal(err)
	}
	if list, _ := h.ListPod(ctx, "default", "a"); len(list) != 2 {
		t.Fatalf("an ended container is still listed: %+v", list)
	}
	if err := h.Remove(ctx, a1); err != nil {
		t.Fatal(err)
	}
	if got := names("default", "a"); got != "default/a/c2" {
		t.Fatalf("default/a after remove: %s", got)
	}
	if got := names("nowhere", "a"); got != "" {
		t.Fatalf("nowhere/a: %s", got)
	}
}
