package chaos

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/chaos/invariants"
	"github.com/jetplane/jetplane/events"
	"github.com/moby/moby/client"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Config is one run of the suite.
type Config struct {
	Kube    *rest.Config // the cluster's kubeconfig (an admin)
	Log     Log          // the cluster's NATS, the operator's credentials
	Leases  events.KV
	Project string // the compose project: containers are <project>_<service>_1
	Faults  []Fault
	// Writes: concurrent creates per fault; Counters: counters incremented
	// by CAS, one client each, per fault.
	Writes, Counters int
	// Down: how long a fault lasts before it is healed, unless it says. Bound: the longest
	// convergence allowed, from the fault to every write answered, the
	// rollout done and the watch caught up. Settle: the pause between faults.
	Down, Bound, Settle time.Duration
	Images              [2]string // the hello images a rollout alternates between
	Out                 io.Writer
}

// Log is what the suite reads of the cluster's NATS: the event log and its
// stream's state and leader (the leases are Config.Leases).
type Log interface {
	Replay(ctx context.Context, filter string, from, to uint64, fn events.Handler) error
	Info(ctx context.Context) (events.LogInfo, error)
}

// Row is one fault's line of the table.
type Row struct {
	Fault, Target    string
	Acked, Writes    int
	Increments       int
	Lost, Violations int
	Rollout          bool
	Converged        time.Duration
	// When, from the fault, the creates were answered and the rollout
	// completed; Converged is when the watch caught up too.
	CreatesAt, RolloutAt time.Duration
	Err                  string
	from, to             uint64
	rec                  *record
}

// Report is the run's outcome.
type Report struct {
	Rows       []Row
	Violations []invariants.Violation // every one, lost writes included
}

// OK tells whether the run found nothing wrong.
func (r Report) OK() bool {
	if len(r.Violations) > 0 {
		return false
	}
	for _, row := range r.Rows {
		if !row.Rollout || row.Err != "" {
			return false
		}
	}
	return true
}

type runner struct {
	cfg     Config
	dyn     dynamic.Interface
	docker  *docker
	id      string // names this run's objects
	roundID string // and this fault's
	rec     *record
}

// Run injects each fault in turn under the workload, then checks the log.
func Run(ctx context.Context, cfg Config) (Report, error) {
	dyn, err := dynamic.NewForConfig(cfg.Kube)
	if err != nil {
		return Report{}, err
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return Report{}, fmt.Errorf("chaos: docker: %w", err)
	}
	defer cli.Close()
	r := &runner{cfg: cfg, dyn: dyn, docker: &docker{cli: cli, project: cfg.Project}, id: "chaos" + strconv.FormatInt(time.Now().Unix()%100000, 10)}
	if err := r.namespace(ctx); err != nil {
		return Report{}, err
	}
	var rep Report
	for i, f := range cfg.Faults {
		row := r.round(ctx, i, f)
		fmt.Fprintf(cfg.Out, "%s on %s: %d/%d creates acknowledged, %d increments, rollout %v; after %.1f s creates answered, %.1f s rollout done, %.1f s watch caught up %s\n",
			row.Fault, row.Target, row.Acked, row.Writes, row.Increments, row.Rollout, row.CreatesAt.Seconds(), row.RolloutAt.Seconds(), row.Converged.Seconds(), row.Err)
		rep.Rows = append(rep.Rows, row)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if i < len(cfg.Faults)-1 {
			sleep(ctx, cfg.Settle)
		}
	}
	return rep, r.check(ctx, &rep)
}

func (r *runner) namespace(ctx context.Context) error {
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": Namespace}}}
	_, err := r.dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("chaos: namespace %s: %w", Namespace, err)
	}
	return nil
}

// round runs the workload through one fault.
func (r *runner) round(ctx context.Context, i int, f Fault) Row {
	row := Row{Fault: f.Action, Target: f.Target, Writes: r.cfg.Writes, rec: &record{counters: map[invariants.Key]invariants.Counter{}}}
	r.rec = row.rec
	fail := func(err error) Row { row.Err = strings.TrimSpace(row.Err + " " + err.Error()); return row }
	r.roundID = r.id + "-r" + strconv.Itoa(i)
	if err := r.makeCounters(ctx); err != nil {
		return fail(err)
	}
	info, err := r.cfg.Log.Info(ctx)
	if err != nil {
		return fail(err)
	}
	row.from = info.LastSeq + 1
	service, err := r.resolve(ctx, f.Target)
	if err != nil {
		return fail(err)
	}
	row.Target = service
	if f.Target != service {
		row.Target = f.Target + "=" + service
	}
	image, err := r.nextImage(ctx)
	if err != nil {
		return fail(err)
	}

	bounded, cancel := context.WithTimeout(ctx, r.cfg.Bound)
	defer cancel()
	incrementing, stopIncrements := context.WithCancel(bounded)
	defer stopIncrements()
	var increments sync.WaitGroup
	for c := range r.cfg.Counters {
		increments.Add(1)
		go func() { defer increments.Done(); r.increment(incrementing, c) }()
	}
	t0 := time.Now()
	rolled := make(chan error, 1)
	go func() {
		err := r.rollout(bounded, image)
		row.RolloutAt = time.Since(t0) // read only after rolled
		rolled <- err
	}()
	created := make(chan int, 1)
	go func() {
		n := r.creates(bounded, r.cfg.Writes)
		row.CreatesAt = time.Since(t0) // read only after created
		created <- n
	}()

	heal, err := r.docker.inject(ctx, f, service)
	if err != nil {
		return fail(fmt.Errorf("inject: %w", err))
	}
	final := make(chan map[string]uint64, 1)
	watched := make(chan error, 1)
	go func() { watched <- r.watchCounters(bounded, final) }() // opened right after the fault
	lasts := f.For
	if lasts == 0 {
		lasts = r.cfg.Down
	}
	sleep(ctx, lasts)
	if err := retry(ctx, 30*time.Second, heal); err != nil {
		row.Err = "heal: " + err.Error()
	}
	row.Acked = <-created
	rollErr := <-rolled
	row.Rollout = rollErr == nil
	stopIncrements()
	increments.Wait()
	counters, err := r.finalCounters(bounded)
	if err != nil {
		cancel()
		<-watched // it records nothing once told nothing
		return fail(err)
	}
	final <- counters
	if err := <-watched; err != nil && row.Err == "" {
		row.Err = err.Error()
	}
	row.Converged = time.Since(t0)
	for _, c := range r.rec.counters {
		row.Increments += c.Acked
	}
	return row
}

// retry runs fn until it succeeds or d passes (the Docker engine may
// refuse while the container is still being torn down).
func retry(ctx context.Context, d time.Duration, fn func(context.Context) error) error {
	deadline := time.Now().Add(d)
	for {
		err := fn(ctx)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		sleep(ctx, time.Second)
	}
}

// nextImage is the hello image the Deployment does not run now.
func (r *runner) nextImage(ctx context.Context) (string, error) {
	o, err := r.dyn.Resource(deployments).Namespace("default").Get(ctx, "hello", metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("chaos: the hello Deployment (kubectl apply -f examples/hello.yaml): %w", err)
	}
	cs, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	if len(cs) > 0 {
		if c, ok := cs[0].(map[string]any); ok && c["image"] == r.cfg.Images[0] {
			return r.cfg.Images[1], nil
		}
	}
	return r.cfg.Images[0], nil
}

// finalCounters lists the round's counters: the resourceVersions the
// watch must reach.
func (r *runner) finalCounters(ctx context.Context) (map[string]uint64, error) {
	for {
		list, err := r.dyn.Resource(configMaps).Namespace(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "chaos=counter,run=" + r.roundID})
		if err == nil {
			out := map[string]uint64{}
			for i := range list.Items {
				r.rec.observe(&list.Items[i], "list")
				out[list.Items[i].GetName()] = rvOf(&list.Items[i])
			}
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("chaos: list counters: %w", err)
		}
		sleep(ctx, 500*time.Millisecond)
	}
}

// check reads the log and runs every invariant: per fault, what its
// clients were told; over the run, the pods.
func (r *runner) check(ctx context.Context, rep *Report) error {
	if len(rep.Rows) == 0 {
		return nil
	}
	vs, err := readLog(ctx, r.cfg.Log, 1)
	if err != nil {
		return fmt.Errorf("chaos: read the log: %w", err)
	}
	h := invariants.NewHistory(vs)
	for i := range rep.Rows {
		row := &rep.Rows[i]
		lost := h.Acknowledged(row.rec.acks)
		other := slices.Concat(h.OneValuePerRV(row.rec.obs), h.Counters(row.rec.counters), h.Watches(row.rec.deliveries))
		row.Lost, row.Violations = len(lost), len(other)
		rep.Violations = slices.Concat(rep.Violations, lost, other)
	}
	from := rep.Rows[0].from
	rep.Violations = slices.Concat(rep.Violations, h.BoundOnce(from), h.Surge(from))
	return nil
}

// Print writes the table and the violations.
func (rep Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%-10s %-40s %9s %10s %5s %10s %8s %10s\n", "fault", "target", "acked", "increments", "lost", "violations", "rollout", "converged")
	var times []time.Duration
	for _, row := range rep.Rows {
		state := "done"
		if !row.Rollout {
			state = "TIMEOUT"
		}
		fmt.Fprintf(w, "%-10s %-40s %5d/%-3d %10d %5d %10d %8s %9.1fs %s\n", row.Fault, row.Target, row.Acked, row.Writes,
			row.Increments, row.Lost, row.Violations, state, row.Converged.Seconds(), row.Err)
		times = append(times, row.Converged)
	}
	slices.Sort(times)
	if len(times) > 0 {
		fmt.Fprintf(w, "convergence: p50 %.1f s, max %.1f s\n", times[len(times)/2].Seconds(), times[len(times)-1].Seconds())
	}
	for _, v := range rep.Violations {
		fmt.Fprintln(w, "VIOLATION", v)
	}
	fmt.Fprintf(w, "violations (lost writes, lost updates, two values at one resourceVersion, watch gaps, pods bound twice, surge): %d\n", len(rep.Violations))
}
