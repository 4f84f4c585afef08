package replicacontroller

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/services/replicacontroller/cronjob"
	"github.com/jetplane/jetplane/services/replicacontroller/daemon"
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// createDefaulted creates obj as the gateway stores it: identity first,
// then Kubernetes' defaults (a Job's selector needs its UID).
func (h *harness) createDefaulted(res string, obj events.Object) {
	h.t.Helper()
	events.PrepareCreate(obj, time.Now())
	apis.Default(events.MustLookup(res), obj)
	if errs := apis.Validate(events.MustLookup(res), obj, nil); len(errs) > 0 {
		h.t.Fatalf("invalid %s: %v", res, errs.ToAggregate())
	}
	if err := h.write(events.Write{Resource: events.MustLookup(res), Change: events.Created, Object: obj}); err != nil {
		h.t.Fatal(err)
	}
}

// change rewrites one live object with mutate; conflicts with the
// controller are retried until wait.
func (h *harness) change(res, ns, name, change string, mutate func(events.Object)) {
	h.t.Helper()
	eventstest.Eventually(h.t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		e := h.view.State().Live(res, ns, name)
		if e == nil {
			return fmt.Errorf("%s %s/%s not there", res, ns, name)
		}
		c := e.Object.DeepCopyObject().(events.Object)
		mutate(c)
		return h.write(events.Write{Resource: events.MustLookup(res), Change: change, Object: c, Expected: e.Seq})
	})
}

func (h *harness) pods(ns string) []*corev1.Pod {
	var out []*corev1.Pod
	for _, e := range h.view.State().List("pods", ns, nil) {
		out = append(out, e.Object.(*corev1.Pod))
	}
	return out
}

func podTemplate(lbl map[string]string) *corev1.PodTemplateSpec {
	return &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}
}

// A ReplicationController keeps its pods, owned as ReplicationController
// v1; a pod relabelled out of its selector is released and replaced.
func TestReplicationController(t *testing.T) {
	t.Parallel()
	h := start(t)
	replicas := int32(2)
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "legacy", Namespace: "default"},
		Spec: corev1.ReplicationControllerSpec{Replicas: &replicas, Template: podTemplate(map[string]string{"app": "legacy"})}}
	h.createDefaulted("replicationcontrollers", rc)
	owned := func() ([]*corev1.Pod, error) {
		if err := h.catchUp(); err != nil {
			return nil, err
		}
		pods := h.podsOf(rc)
		for _, p := range pods {
			if ref := metav1.GetControllerOf(p); ref.Kind != "ReplicationController" || ref.APIVersion != "v1" {
				return nil, fmt.Errorf("pod %s controller %+v", p.Name, ref)
			}
		}
		return pods, nil
	}
	var first []*corev1.Pod
	eventstest.Eventually(t, wait, func() error {
		pods, err := owned()
		if err != nil {
			return err
		}
		cur := h.view.State().Live("replicationcontrollers", "default", "legacy").Object.(*corev1.ReplicationController)
		if len(pods) != 2 || cur.Status.Replicas != 2 || cur.Status.ObservedGeneration != 1 {
			return fmt.Errorf("%d pods, status %+v", len(pods), cur.Status)
		}
		first = pods
		return nil
	})
	debug := first[0].Name
	h.change("pods", "default", debug, events.Updated, func(o events.Object) { o.SetLabels(map[string]string{"app": "debugging"}) })
	eventstest.Eventually(t, wait, func() error {
		pods, err := owned()
		if err != nil {
			return err
		}
		p := h.view.State().Live("pods", "default", debug).Object
		if len(p.GetOwnerReferences()) != 0 {
			return fmt.Errorf("relabelled pod still owned: %v", p.GetOwnerReferences())
		}
		for _, q := range pods {
			if q.Name == debug {
				return errors.New("relabelled pod still counted")
			}
		}
		if len(pods) != 2 {
			return fmt.Errorf("%d pods, want a replacement", len(pods))
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}

// A ReplicaSet's set-based selector decides what it adopts.
func TestReplicaSetSelectorExpressions(t *testing.T) {
	t.Parallel()
	h := start(t)
	stray := func(name string, lbl map[string]string) {
		h.create("pods", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: lbl},
			Spec: podTemplate(nil).Spec})
	}
	stray("canary", map[string]string{"app": "api", "track": "canary"})
	stray("stable", map[string]string{"app": "api", "track": "stable"})
	stray("pinned", map[string]string{"app": "api", "track": "stable", "pinned": "yes"})
	stray("web", map[string]string{"app": "web", "track": "stable"})
	replicas := int32(1)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"api"}},
			{Key: "track", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"canary"}},
			{Key: "track", Operator: metav1.LabelSelectorOpExists},
			{Key: "pinned", Operator: metav1.LabelSelectorOpDoesNotExist},
		}}, Template: *podTemplate(map[string]string{"app": "api", "track": "stable"})}}
	h.createDefaulted("replicasets", rs)
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		for _, p := range h.pods("default") {
			if owned, want := workload.ControllerUID(p) == rs.UID, p.Name == "stable"; owned != want {
				return fmt.Errorf("pod %s owned %v", p.Name, owned)
			}
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}

func readyNode(name string, lbl map[string]string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbl},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
}

// A DaemonSet follows the nodes: a pod per matching node, one more when a
// node starts matching, one less when a node leaves.
func TestDaemonSetFollowsNodes(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.create("nodes", readyNode("n1", map[string]string{"role": "edge"}))
	h.create("nodes", readyNode("n2", nil))
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "default"},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: *podTemplate(map[string]string{"app": "agent"})}}
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"role": "edge"}
	h.createDefaulted("daemonsets", ds)
	onNodes := func(want ...string) func() error {
		return func() error {
			if err := h.catchUp(); err != nil {
				return err
			}
			if err := h.markReady("default"); err != nil {
				return err
			}
			got := map[string]bool{}
			for _, p := range h.podsOf(ds) {
				if p.DeletionTimestamp == nil {
					got[daemon.TargetNode(p)] = true
				}
			}
			if len(got) != len(want) {
				return fmt.Errorf("pods on %v, want %v", got, want)
			}
			for _, n := range want {
				if !got[n] {
					return fmt.Errorf("pods on %v, want %v", got, want)
				}
			}
			cur := h.view.State().Live("daemonsets", "default", "agent").Object.(*appsv1.DaemonSet)
			if s := cur.Status; s.DesiredNumberScheduled != int32(len(want)) || s.NumberReady != int32(len(want)) ||
				s.UpdatedNumberScheduled != int32(len(want)) || s.NumberAvailable != int32(len(want)) {
				return fmt.Errorf("status %+v", s)
			}
			return nil
		}
	}
	eventstest.Eventually(t, wait, onNodes("n1"))
	h.change("nodes", "", "n2", events.Updated, func(o events.Object) { o.SetLabels(map[string]string{"role": "edge"}) })
	eventstest.Eventually(t, wait, onNodes("n1", "n2"))
	n1 := h.view.State().Live("nodes", "", "n1")
	if err := h.write(events.Write{Resource: events.MustLookup("nodes"), Change: events.Deleted, Object: n1.Object, Expected: n1.Seq}); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, wait, onNodes("n2"))
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}

// finish plays the node agent for a Job's pods: every one still pending
// ends in phase.
func (h *harness) finish(ns string, phase corev1.PodPhase) error {
	for _, p := range h.pods(ns) {
		if p.Status.Phase != corev1.PodPending || p.DeletionTimestamp != nil {
			continue
		}
		c := p.DeepCopy()
		c.Status.Phase = phase
		e := h.view.State().Live("pods", ns, p.Name)
		if err := h.write(events.Write{Resource: events.MustLookup("pods"), Change: "succeeded", Object: c, Expected: e.Seq}); err != nil &&
			!errors.Is(err, events.ErrConflict) {
			return err
		}
	}
	return nil
}

func TestJobRunsToCompletion(t *testing.T) {
	t.Parallel()
	h := start(t)
	completions, parallelism := int32(3), int32(2)
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "batch", Namespace: "default"},
		Spec: batchv1.JobSpec{Completions: &completions, Parallelism: &parallelism, Template: *podTemplate(nil)}}
	j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	h.createDefaulted("jobs", j)
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		cur := h.view.State().Live("jobs", "default", "batch").Object.(*batchv1.Job)
		if n := len(h.podsOf(cur)); cur.Status.Active != 2 || n != 2 || cur.Status.StartTime == nil {
			return fmt.Errorf("%d pods, status %+v", n, cur.Status)
		}
		return nil
	})
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		if err := h.finish("default", corev1.PodSucceeded); err != nil {
			return err
		}
		cur := h.view.State().Live("jobs", "default", "batch").Object.(*batchv1.Job)
		if t, ok := workloadFinished(cur); !ok || t != batchv1.JobComplete {
			return fmt.Errorf("status %+v", cur.Status)
		}
		if cur.Status.Succeeded != 3 || cur.Status.Active != 0 || cur.Status.CompletionTime == nil {
			return fmt.Errorf("status %+v", cur.Status)
		}
		for _, p := range h.podsOf(cur) {
			if p.Labels[batchv1.JobNameLabel] != "batch" || p.Labels[batchv1.ControllerUidLabel] != string(cur.UID) {
				return fmt.Errorf("pod %s labels %v", p.Name, p.Labels)
			}
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}

func workloadFinished(j *batchv1.Job) (batchv1.JobConditionType, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// A CronJob starts a Job per minute of its schedule, by the injected clock,
// and keeps one finished Job.
func TestCronJobSchedulesByTheClock(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Now()}
	h := startWith(t, Config{Now: clock.Now, Location: time.UTC})
	one := int32(1)
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default"},
		Spec: batchv1.CronJobSpec{Schedule: "* * * * *", SuccessfulJobsHistoryLimit: &one,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: *podTemplate(nil)}}}}
	cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	h.createDefaulted("cronjobs", cj)
	minute := cj.CreationTimestamp.Time.Truncate(time.Minute).Add(time.Minute)
	run := func(at time.Time) string { return cronjob.JobName(cj, at) }

	// Nothing is due before the first minute after its creation.
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
	if n := len(h.view.State().List("jobs", "default", nil)); n != 0 {
		t.Fatalf("%d jobs before the schedule", n)
	}
	for i, at := range []time.Time{minute, minute.Add(time.Minute)} {
		clock.set(at.Add(10 * time.Second))
		eventstest.Eventually(t, wait, func() error {
			if err := h.catchUp(); err != nil {
				return err
			}
			if err := h.finish("default", corev1.PodSucceeded); err != nil {
				return err
			}
			st := h.view.State()
			cur := st.Live("cronjobs", "default", "tick").Object.(*batchv1.CronJob)
			if cur.Status.LastScheduleTime == nil || !cur.Status.LastScheduleTime.Time.Equal(at) {
				return fmt.Errorf("lastScheduleTime %v, want %v", cur.Status.LastScheduleTime, at)
			}
			j := st.Live("jobs", "default", run(at))
			if j == nil {
				return fmt.Errorf("no job %s", run(at))
			}
			if _, done := workloadFinished(j.Object.(*batchv1.Job)); !done || len(cur.Status.Active) != 0 || cur.Status.LastSuccessfulTime == nil {
				return fmt.Errorf("job %s not finished; status %+v", j.Name, cur.Status)
			}
			if i == 1 && st.Live("jobs", "default", run(minute)) != nil {
				return errors.New("the first job outlived the history limit")
			}
			return nil
		})
	}
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		for _, p := range h.pods("default") {
			if p.Labels[batchv1.JobNameLabel] == run(minute) {
				return fmt.Errorf("pod %s of the deleted job left", p.Name)
			}
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}
