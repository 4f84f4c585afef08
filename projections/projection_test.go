package projections_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

var origin = events.Origin{Source: "jetplane/test", Actor: "tester"}

type liveObj struct {
	obj events.Object
	seq uint64
}

// history generates random creates, updates and deletes of pods and
// deployments, with random labels, nodes and owners.
type history struct {
	rng  *rand.Rand
	objs map[string]*liveObj
	tomb map[string]uint64
}

func newHistory(seed uint64) *history {
	return &history{rng: rand.New(rand.NewPCG(seed, 2)), objs: map[string]*liveObj{}, tomb: map[string]uint64{}}
}

// append writes n random changes and returns the last sequence.
func (h *history) append(t *testing.T, l *natslog.Log, n int) uint64 {
	t.Helper()
	ctx := context.Background()
	rng, objs, tomb := h.rng, h.objs, h.tomb
	pods, deps := events.MustLookup("pods"), events.MustLookup("deployments")
	owners := []types.UID{"owner-a", "owner-b", "owner-c"}
	var last uint64
	for i := 0; i < n; i++ {
		ns := []string{"default", "team.a", "b"}[rng.IntN(3)]
		name := fmt.Sprintf("obj-%d", rng.IntN(40))
		isPod := rng.IntN(3) > 0
		res := deps
		if isPod {
			res = pods
		}
		key := res.Name + "/" + ns + "/" + name
		cur := objs[key]
		var w events.Write
		switch {
		case cur == nil:
			var obj events.Object
			meta := metav1.ObjectMeta{Name: name, Namespace: ns,
				Labels: map[string]string{"app": []string{"web", "db"}[rng.IntN(2)], "tier": fmt.Sprint(rng.IntN(3))}}
			if rng.IntN(2) == 0 {
				meta.OwnerReferences = []metav1.OwnerReference{{UID: owners[rng.IntN(3)], Name: "o", Kind: "ReplicaSet", APIVersion: "apps/v1"}}
			}
			if isPod {
				obj = &corev1.Pod{ObjectMeta: meta, Spec: corev1.PodSpec{NodeName: []string{"", "n1", "n2"}[rng.IntN(3)]}}
			} else {
				obj = &appsv1.Deployment{ObjectMeta: meta}
			}
			events.PrepareCreate(obj, time.Now())
			w = events.Write{Resource: res, Change: events.Created, Object: obj, Expected: tomb[key]}
		case rng.IntN(4) == 0:
			w = events.Write{Resource: res, Change: events.Deleted, Object: cur.obj, Expected: cur.seq}
		default:
			obj := cur.obj.DeepCopyObject().(events.Object)
			l := obj.GetLabels()
			l["app"] = []string{"web", "db", "cache"}[rng.IntN(3)]
			if pod, ok := obj.(*corev1.Pod); ok {
				pod.Spec.NodeName = []string{"", "n1", "n2", "n3"}[rng.IntN(4)]
			}
			w = events.Write{Resource: res, Change: events.Updated, Object: obj, Expected: cur.seq}
		}
		ev, err := l.Write(ctx, origin, w)
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		last = ev.Seq
		if w.Change == events.Deleted {
			delete(objs, key)
			tomb[key] = ev.Seq
		} else {
			objs[key] = &liveObj{obj: w.Object, seq: ev.Seq}
		}
	}
	return last
}

func TestRebuiltEqualsLive(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := projections.New(l, "test")
	// Record the state at a few points of the live run to check time travel.
	var mu sync.Mutex
	recorded := map[uint64][]string{}
	p.OnApply(func(prev, cur *projections.Entry, ev *events.Event) {
		if ev.Seq%97 == 0 {
			mu.Lock()
			recorded[ev.Seq] = p.State().Dump()
			mu.Unlock()
		}
	})
	h := newHistory(1)
	// Half the history exists before the projection starts (replay), half after (live).
	h.append(t, l, 300)
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	last := h.append(t, l, 300)
	if err := p.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := projections.AsOf(ctx, l, last)
	if err != nil {
		t.Fatal(err)
	}
	live := p.State()
	if got, want := rebuilt.Dump(), live.Dump(); !slices.Equal(got, want) {
		t.Fatalf("rebuilt state differs from live: %d vs %d entries", len(got), len(want))
	}
	// Indexes agree with a scan of the rebuilt state.
	for _, node := range []string{"n1", "n2", "n3"} {
		if a, b := names(live.PodsOnNode(node)), names(rebuilt.PodsOnNode(node)); !slices.Equal(a, b) {
			t.Fatalf("pods on %s: live %v rebuilt %v", node, a, b)
		}
		var scan []string
		for _, e := range live.List("pods", "", nil) {
			if e.Object.(*corev1.Pod).Spec.NodeName == node {
				scan = append(scan, e.Key())
			}
		}
		if got := names(live.PodsOnNode(node)); !slices.Equal(got, scan) {
			t.Fatalf("node index %v != scan %v", got, scan)
		}
	}
	sel := labels.SelectorFromSet(labels.Set{"app": "web"})
	var scan []string
	for _, e := range live.List("pods", "", nil) {
		if e.Object.GetLabels()["app"] == "web" {
			scan = append(scan, e.Key())
		}
	}
	if got := names(live.List("pods", "", sel)); !slices.Equal(got, scan) {
		t.Fatalf("label index %v != scan %v", got, scan)
	}
	for _, uid := range []types.UID{"owner-a", "owner-b"} {
		if a, b := names(live.OwnedBy(uid)), names(rebuilt.OwnedBy(uid)); !slices.Equal(a, b) {
			t.Fatalf("owned by %s: %v vs %v", uid, a, b)
		}
	}
	// Time travel: AsOf(seq) equals what the live projection held at seq.
	mu.Lock()
	defer mu.Unlock()
	if len(recorded) < 3 {
		t.Fatalf("only %d recorded points", len(recorded))
	}
	for seq, want := range recorded {
		st, err := projections.AsOf(ctx, l, seq)
		if err != nil {
			t.Fatal(err)
		}
		if st.LastApplied() != seq || !slices.Equal(st.Dump(), want) {
			t.Fatalf("as of %d differs from the live state at %d", seq, seq)
		}
	}
}

func names(es []*projections.Entry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Key())
	}
	slices.Sort(out)
	return out
}

func TestWaitForReadYourWrites(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := projections.New(l, "test")
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	pods := events.MustLookup("pods")
	for i := range 50 {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: "default"}}
		events.PrepareCreate(pod, time.Now())
		ev, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created, Object: pod})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.WaitFor(ctx, ev.Seq); err != nil {
			t.Fatal(err)
		}
		e := p.State().Live("pods", "default", pod.Name)
		if e == nil || e.Object.GetResourceVersion() != events.FormatRV(ev.Seq) || e.Object.GetUID() != pod.UID {
			t.Fatalf("write %d not visible after WaitFor: %+v", i, e)
		}
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if err := p.WaitFor(short, p.LastApplied()+10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor a future seq: %v, want deadline exceeded", err)
	}
}

func TestTombstoneKeepsSequence(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	ctx := context.Background()
	pods := events.MustLookup("pods")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	c, _ := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created, Object: pod})
	d, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Deleted, Object: pod, Expected: c.Seq})
	if err != nil {
		t.Fatal(err)
	}
	st, err := projections.AsOf(ctx, l, d.Seq)
	if err != nil {
		t.Fatal(err)
	}
	e := st.Get("pods", "default", "p")
	if e == nil || !e.Deleted() || e.Seq != d.Seq || st.Live("pods", "default", "p") != nil {
		t.Fatalf("tombstone = %+v", e)
	}
	if n := len(st.List("pods", "", nil)); n != 0 {
		t.Fatalf("deleted pod listed: %d", n)
	}
	// Re-creating the name must expect the tombstone's sequence.
	if _, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created, Object: pod, Expected: e.Seq}); err != nil {
		t.Fatal(err)
	}
}
