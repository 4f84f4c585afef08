package chaos

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jetplane/jetplane/chaos/invariants"
	"github.com/jetplane/jetplane/events"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

var (
	configMaps  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	deployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
)

// record is what the clients of one fault's round were told.
type record struct {
	mu         sync.Mutex
	acks       []invariants.Ack
	obs        []invariants.Observation
	counters   map[invariants.Key]invariants.Counter
	deliveries []invariants.Delivery
}

func (r *record) ack(o *unstructured.Unstructured, via string) {
	k, rv, d := keyOf(o), rvOf(o), digestOf(o.Object)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acks = append(r.acks, invariants.Ack{Key: k, RV: rv, Digest: d})
	r.obs = append(r.obs, invariants.Observation{Key: k, RV: rv, Digest: d, Via: via})
}

func (r *record) observe(o *unstructured.Unstructured, via string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs = append(r.obs, invariants.Observation{Key: keyOf(o), RV: rvOf(o), Digest: digestOf(o.Object), Via: via})
}

// keyOf names an object as the log does (its resource's plural, from the
// registry of kinds).
func keyOf(o *unstructured.Unstructured) invariants.Key {
	r, _ := events.LookupKind(o.GetKind())
	return invariants.Key{Resource: r.Name, Namespace: o.GetNamespace(), Name: o.GetName()}
}

func rvOf(o *unstructured.Unstructured) uint64 {
	rv, _ := strconv.ParseUint(o.GetResourceVersion(), 10, 64)
	return rv
}

// uncertain tells whether a failed request may still have been applied: a
// timeout, a lost connection or a 5xx, unlike a refusal (4xx).
func uncertain(err error) bool {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return st.Status().Code >= 500 || st.Status().Code == 0
	}
	return true
}

// creates makes n ConfigMaps at once; it returns how many were
// acknowledged.
func (r *runner) creates(ctx context.Context, n int) (acked int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": fmt.Sprintf("%s-%d", r.roundID, i), "labels": map[string]any{"chaos": "create"}},
				"data":     map[string]any{"i": strconv.Itoa(i)}}}
			got, err := r.dyn.Resource(configMaps).Namespace(Namespace).Create(ctx, o, metav1.CreateOptions{})
			if err != nil {
				return
			}
			r.rec.ack(got, "create")
			mu.Lock()
			acked++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return acked
}

// counterName is the i-th counter of the fault's round.
func (r *runner) counterName(i int) string { return fmt.Sprintf("%s-counter-%d", r.roundID, i) }

// makeCounters creates the round's counters at 0.
func (r *runner) makeCounters(ctx context.Context) error {
	for i := range r.cfg.Counters {
		o := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": r.counterName(i), "labels": map[string]any{"chaos": "counter", "run": r.roundID}},
			"data":     map[string]any{"value": "0"}}}
		got, err := r.dyn.Resource(configMaps).Namespace(Namespace).Create(ctx, o, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("chaos: counter: %w", err)
		}
		r.rec.ack(got, "create")
		r.rec.counters[keyOf(got)] = invariants.Counter{}
	}
	return nil
}

// increment runs CAS increments of counter i until ctx ends: read, add
// one, update at the read resourceVersion, again on a conflict.
func (r *runner) increment(ctx context.Context, i int) {
	cms := r.dyn.Resource(configMaps).Namespace(Namespace)
	key := invariants.Key{Resource: "configmaps", Namespace: Namespace, Name: r.counterName(i)}
	for ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		o, err := cms.Get(rctx, key.Name, metav1.GetOptions{})
		if err != nil {
			cancel()
			sleep(ctx, 200*time.Millisecond)
			continue
		}
		r.rec.observe(o, "get")
		value, _, _ := unstructured.NestedString(o.Object, "data", "value")
		v, _ := strconv.ParseInt(value, 10, 64)
		o.Object["data"] = map[string]any{"value": strconv.FormatInt(v+1, 10)}
		got, err := cms.Update(rctx, o, metav1.UpdateOptions{})
		cancel()
		r.rec.mu.Lock()
		c := r.rec.counters[key]
		switch {
		case err == nil:
			c.Acked++
		case apierrors.IsConflict(err):
		case uncertain(err):
			c.Indeterminate++
		}
		r.rec.counters[key] = c
		r.rec.mu.Unlock()
		if err == nil {
			r.rec.ack(got, "update")
		} else if !apierrors.IsConflict(err) {
			sleep(ctx, 200*time.Millisecond)
		}
	}
}

// sleep waits d or until ctx ends: a fault's length, a retry's back-off.
func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// watchCounters opens a watch of the run's counters the way an informer
// does (a list, then a watch from its resourceVersion, resumed from the last
// delivered one when it ends) and records what it delivers until every
// counter reached the resourceVersion that arrives on final.
func (r *runner) watchCounters(ctx context.Context, final <-chan map[string]uint64) error {
	cms := r.dyn.Resource(configMaps).Namespace(Namespace)
	sel := "chaos=counter,run=" + r.roundID
	list, err := cms.List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("chaos: list counters: %w", err)
	}
	from, _ := strconv.ParseUint(list.GetResourceVersion(), 10, 64)
	delivered := map[string][]uint64{}
	last := from
	var want map[string]uint64
	done := func() bool {
		for name, rv := range want {
			if got := delivered[name]; rv > from && (len(got) == 0 || got[len(got)-1] < rv) {
				return false
			}
		}
		return true
	}
	defer func() {
		if want == nil {
			return // never told how far to go: nothing to check
		}
		r.rec.mu.Lock()
		defer r.rec.mu.Unlock()
		for i := range r.cfg.Counters {
			name := r.counterName(i)
			r.rec.deliveries = append(r.rec.deliveries, invariants.Delivery{Key: invariants.Key{Resource: "configmaps", Namespace: Namespace, Name: name},
				From: from, To: want[name], RVs: delivered[name]})
		}
	}()
	for {
		w, err := cms.Watch(ctx, metav1.ListOptions{LabelSelector: sel, ResourceVersion: strconv.FormatUint(last, 10), AllowWatchBookmarks: true})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("chaos: the watch did not catch up: %w", ctx.Err())
			}
			sleep(ctx, 200*time.Millisecond)
			continue
		}
	read:
		for {
			select {
			case want = <-final:
				final = nil
			case ev, ok := <-w.ResultChan():
				if !ok || ev.Type == watch.Error {
					break read // resumed from last
				}
				o, isObj := ev.Object.(*unstructured.Unstructured)
				if !isObj {
					continue
				}
				rv := rvOf(o)
				if ev.Type != watch.Bookmark {
					r.rec.observe(o, "watch")
					delivered[o.GetName()] = append(delivered[o.GetName()], rv)
				}
				last = max(last, rv)
			case <-ctx.Done():
				w.Stop()
				return fmt.Errorf("chaos: the watch did not catch up: %w", ctx.Err())
			}
			if want != nil && done() {
				w.Stop()
				return nil
			}
		}
		w.Stop()
	}
}

// rollout sets the hello Deployment's image and waits until every replica
// runs it and is available.
func (r *runner) rollout(ctx context.Context, image string) error {
	d := r.dyn.Resource(deployments).Namespace("default")
	patch := fmt.Sprintf(`[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":%q}]`, image)
	for {
		if _, err := d.Patch(ctx, "hello", types.JSONPatchType, []byte(patch), metav1.PatchOptions{}); err == nil {
			break
		} else if ctx.Err() != nil {
			return fmt.Errorf("chaos: set image: %w", err)
		}
		sleep(ctx, 500*time.Millisecond)
	}
	for {
		if o, err := d.Get(ctx, "hello", metav1.GetOptions{}); err == nil && rolledOut(o) {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("chaos: rollout: %w", ctx.Err())
		}
		sleep(ctx, 250*time.Millisecond)
	}
}

// rolledOut is kubectl rollout status's test: the newest generation
// observed, every replica updated and available, no old one left.
func rolledOut(o *unstructured.Unstructured) bool {
	gen := o.GetGeneration()
	observed, _, _ := unstructured.NestedInt64(o.Object, "status", "observedGeneration")
	want, _, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
	n, _, _ := unstructured.NestedInt64(o.Object, "status", "replicas")
	updated, _, _ := unstructured.NestedInt64(o.Object, "status", "updatedReplicas")
	available, _, _ := unstructured.NestedInt64(o.Object, "status", "availableReplicas")
	return observed >= gen && updated == want && n == want && available == want
}

// Namespace holds the objects the workload writes.
const Namespace = "chaos"
