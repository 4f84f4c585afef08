package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func (r *run) readyNodes(ctx context.Context) (int, error) {
	var list corev1.NodeList
	if err := r.api.GetJSON(ctx, "/api/v1/nodes", &list); err != nil {
		return 0, err
	}
	n := 0
	for _, node := range list.Items {
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n, nil
}

func (r *run) send(ctx context.Context, method, path, contentType string, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := r.api.Do(ctx, method, path, bytes.NewReader(data), http.Header{"Content-Type": {contentType}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// sendSetup is send for the load test's own set-up (not measured): an
// overloaded server's 5xx, 429 or timeout is retried with back-off, as a
// controller would, and a create that turns out to have landed before
// counts as done.
func (r *run) sendSetup(ctx context.Context, method, path, contentType string, body any) error {
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := r.send(ctx, method, path, contentType, body)
		switch {
		case err == nil:
			return nil
		case attempt > 1 && method == http.MethodPost && apierrors.IsAlreadyExists(err):
			return nil
		case attempt >= 10 || !(apierrors.IsInternalError(err) || apierrors.IsServerTimeout(err) ||
			apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) || apierrors.IsServiceUnavailable(err)):
			return err
		}
		r.retries.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func (r *run) ensureNamespace(ctx context.Context) error {
	err := r.send(ctx, http.MethodPost, "/api/v1/namespaces", "application/json",
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: Namespace}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("loadtest: namespace: %w", err)
	}
	return nil
}

func deploymentName(i int) string { return fmt.Sprintf("load-%04d", i) }

func deployment(i, replicas int) *appsv1.Deployment {
	name := deploymentName(i)
	return &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To(int32(replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: podTemplate(name, "jetplane/hello:1"),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: ptr.To(intstr.FromString("25%")),
					MaxUnavailable: ptr.To(intstr.FromString("25%"))}}}}
}

// podTracker folds the pod events of the load test's namespace, by
// their own timestamps.
type podTracker struct {
	mu        sync.Mutex
	created   map[string]time.Time
	scheduled map[string]time.Time
	ready     map[string]time.Time
	deleted   map[string]time.Time
}

func newPodTracker() *podTracker {
	return &podTracker{created: map[string]time.Time{}, scheduled: map[string]time.Time{},
		ready: map[string]time.Time{}, deleted: map[string]time.Time{}}
}

func (p *podTracker) observe(ev *events.Event, decodeErr error) error {
	if ev == nil {
		return decodeErr
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var m map[string]time.Time
	switch ev.Change() {
	case events.Created:
		m = p.created
	case "scheduled":
		m = p.scheduled
	case "ready":
		m = p.ready
	case events.Deleted:
		m = p.deleted
	default:
		return nil
	}
	if _, seen := m[ev.Name]; !seen {
		m[ev.Name] = ev.Time
	}
	return nil
}

// follow tracks pod events from sequence from until ctx ends.
func (r *run) follow(ctx context.Context, from uint64) *podTracker {
	t := newPodTracker()
	go func() {
		_ = r.log.Follow(ctx, events.Subject("pods", Namespace, "*"), from, t.observe)
	}()
	return t
}

func (r *run) nextSeq(ctx context.Context) (uint64, error) {
	_, last, err := r.log.Bounds(ctx)
	return last + 1, err
}

// forEachDeployment calls fn for every Deployment, 16 at a time.
func (r *run) forEachDeployment(ctx context.Context, fn func(i int) error) error {
	sem := make(chan struct{}, 16)
	errs := make(chan error, r.cfg.Deployments)
	var wg sync.WaitGroup
	for i := range r.cfg.Deployments {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// createPods posts the Deployments and waits until every pod is Ready.
func (r *run) createPods(ctx context.Context) (PodResult, error) {
	from, err := r.nextSeq(ctx)
	if err != nil {
		return PodResult{}, err
	}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	t := r.follow(fctx, from)
	r.progress("creating %d deployments of %d pods in all", r.cfg.Deployments, r.cfg.Pods)
	t0 := time.Now()
	if err := r.forEachDeployment(ctx, func(i int) error {
		return r.sendSetup(ctx, http.MethodPost, "/apis/apps/v1/namespaces/"+Namespace+"/deployments", "application/json", deployment(i, r.cfg.replicas(i)))
	}); err != nil {
		return PodResult{}, fmt.Errorf("loadtest: create deployments: %w", err)
	}
	r.progress("deployments posted in %s", time.Since(t0).Round(time.Millisecond))
	if err := r.waitFor(ctx, "pods Ready", nil, func() (string, bool, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		return fmt.Sprintf("pods: %d created, %d bound, %d Ready of %d", len(t.created), len(t.scheduled), len(t.ready), r.cfg.Pods),
			len(t.ready) >= r.cfg.Pods, nil
	}); err != nil {
		return PodResult{}, err
	}
	end, err := r.nextSeq(ctx)
	if err != nil {
		return PodResult{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	res := PodResult{Pods: len(t.ready), Events: int(end - from)}
	var startups []time.Duration
	var readyTimes []time.Time
	firstCreate, lastBind, lastReady := time.Time{}, time.Time{}, time.Time{}
	for name, ready := range t.ready {
		readyTimes = append(readyTimes, ready)
		if c, ok := t.created[name]; ok {
			startups = append(startups, ready.Sub(c))
		}
		lastReady = later(lastReady, ready)
	}
	for _, c := range t.created {
		if firstCreate.IsZero() || c.Before(firstCreate) {
			firstCreate = c
		}
	}
	for _, s := range t.scheduled {
		lastBind = later(lastBind, s)
	}
	res.SchedulingPerSecond = Rate(len(t.scheduled), lastBind.Sub(firstCreate))
	res.Startup = Summarise(startups)
	res.AllReady = Duration(lastReady.Sub(t0))
	res.ReadyPerSecond = Rate(res.Pods, lastReady.Sub(t0))
	res.EventsPerPod = float64(res.Events) / float64(max(1, res.Pods))
	res.EventsPerSecond = Rate(res.Events, lastReady.Sub(t0))
	res.ReadyCurve = Curve(t0, readyTimes, curveStep(lastReady.Sub(t0)))
	return res, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// curveStep gives about 200 points over d.
func curveStep(d time.Duration) time.Duration {
	return max(10*time.Millisecond, d/200)
}

// rollingUpdate changes every Deployment's image and waits until every old
// pod is gone and as many new pods are Ready.
func (r *run) rollingUpdate(ctx context.Context) (Rollout, error) {
	from, err := r.nextSeq(ctx)
	if err != nil {
		return Rollout{}, err
	}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	t := r.follow(fctx, from)
	r.progress("rolling update of every deployment to jetplane/hello:2")
	patch := map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []map[string]any{{"name": "app", "image": "jetplane/hello:2"}}}}}}
	t0 := time.Now()
	if err := r.forEachDeployment(ctx, func(i int) error {
		return r.sendSetup(ctx, http.MethodPatch, "/apis/apps/v1/namespaces/"+Namespace+"/deployments/"+deploymentName(i),
			"application/strategic-merge-patch+json", patch)
	}); err != nil {
		return Rollout{}, fmt.Errorf("loadtest: rolling update: %w", err)
	}
	var last time.Time
	if err := r.waitFor(ctx, "rolling update", nil, func() (string, bool, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		newReady := 0
		last = time.Time{}
		for name, at := range t.ready {
			if _, isNew := t.created[name]; isNew {
				newReady++
				last = later(last, at)
			}
		}
		for _, at := range t.deleted {
			last = later(last, at)
		}
		return fmt.Sprintf("rolling update: %d new pods Ready, %d old pods gone, of %d", newReady, len(t.deleted)-oldDeleted(t), r.cfg.Pods),
			newReady >= r.cfg.Pods && len(t.deleted)-oldDeleted(t) >= r.cfg.Pods, nil
	}); err != nil {
		return Rollout{}, err
	}
	end, err := r.nextSeq(ctx)
	if err != nil {
		return Rollout{}, err
	}
	d := last.Sub(t0)
	return Rollout{Duration: Duration(d), PodsPerSecond: Rate(r.cfg.Pods, d), Events: int(end - from),
		EventsPerSecond: Rate(int(end-from), d)}, nil
}

// oldDeleted counts deleted pods that were created during the rollout
// itself (surge pods of a rollout can be replaced); they are not old.
func oldDeleted(t *podTracker) int {
	n := 0
	for name := range t.deleted {
		if _, isNew := t.created[name]; isNew {
			n++
		}
	}
	return n
}
