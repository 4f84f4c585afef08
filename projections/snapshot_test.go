package projections_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/projections"
)

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	last := newHistory(3).append(t, l, 300)
	st, err := projections.AsOf(context.Background(), l, last)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := st.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := projections.ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Dump(), st.Dump()) || back.LastApplied() != st.LastApplied() {
		t.Fatal("a snapshot read back differs from the state written")
	}
	for _, node := range []string{"n1", "n2"} {
		if !slices.Equal(names(back.PodsOnNode(node)), names(st.PodsOnNode(node))) {
			t.Fatalf("node index of %s differs after a round trip", node)
		}
	}
}

func TestRestartFromSnapshotReplaysTheTail(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := eventstest.Log(t)
	l.Config.SnapshotEvery = 100
	h := newHistory(5)
	h.append(t, l, 250)
	first := projections.New(l, "svc")
	if err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error {
		_, err := l.Snapshots().Get(ctx, "svc")
		return err
	})
	last := h.append(t, l, 120)

	// A restarted service: from the snapshot, then the tail; its listeners
	// hear of every live object as after a full replay.
	heard := map[string]bool{}
	again := projections.New(l, "svc")
	again.OnApply(func(prev, cur *projections.Entry, ev *events.Event) {
		if cur.Deleted() {
			delete(heard, cur.Resource+"/"+cur.Key())
		} else {
			heard[cur.Resource+"/"+cur.Key()] = true
		}
	})
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := again.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	if again.LoadedSnapshot() == 0 {
		t.Fatal("the restart replayed the whole log instead of loading the snapshot")
	}
	want, err := projections.AsOf(ctx, l, last)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.State().Dump(), want.Dump()) {
		t.Fatal("snapshot + tail differs from a full replay")
	}
	live := 0
	for _, line := range want.Dump() {
		if !bytes.HasSuffix([]byte(line), []byte("<deleted>")) {
			live++
		}
	}
	if len(heard) != live {
		t.Fatalf("listeners heard of %d live objects, the state holds %d", len(heard), live)
	}
}

func TestUnusableSnapshotsAreIgnored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	other := eventstest.Log(t)
	newHistory(9).append(t, other, 50)
	foreign := projections.New(other, "svc")
	if err := foreign.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var foreignSnap bytes.Buffer
	if _, err := foreign.State().WriteSnapshot(&foreignSnap); err != nil {
		t.Fatal(err)
	}
	var wrongFormat bytes.Buffer
	zw := gzip.NewWriter(&wrongFormat)
	_, _ = zw.Write([]byte(`{"format":99,"last":1,"entries":0}` + "\n"))
	_ = zw.Close()
	truncated := foreignSnap.Bytes()[:foreignSnap.Len()/2]

	cases := map[string][]byte{
		"garbage":                []byte("not a snapshot"),
		"another format":         wrongFormat.Bytes(),
		"truncated":              truncated,
		"taken from another log": foreignSnap.Bytes(),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			l := eventstest.Log(t)
			l.Config.SnapshotEvery = 1000
			last := newHistory(4).append(t, l, 80)
			if err := l.Snapshots().Put(ctx, "svc", nil, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			p := projections.New(l, "svc")
			if err := p.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if p.LoadedSnapshot() != 0 {
				t.Fatalf("loaded an unusable snapshot at %d", p.LoadedSnapshot())
			}
			want, err := projections.AsOf(ctx, l, last)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.State().Dump(), want.Dump()) {
				t.Fatal("state after ignoring the snapshot differs from a full replay")
			}
		})
	}
}

func TestSnapshotAfterAnInterval(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := eventstest.Log(t)
	l.Config.SnapshotInterval = 50 * time.Millisecond // and no count
	h := newHistory(11)
	p := projections.New(l, "timed")
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Events keep coming; once the interval has passed, the next one
	// triggers a snapshot.
	eventstest.Eventually(t, 10*time.Second, func() error {
		h.append(t, l, 1)
		_, err := l.Snapshots().Get(ctx, "timed")
		return err
	})
}
