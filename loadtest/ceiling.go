package loadtest

import (
	"context"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Ceiling is what bare JetStream does on the same server in the same run,
// with messages of the size and headers of a pod event.
type Ceiling struct {
	Messages int `json:"messages"`
	// SyncCAS: one publisher, each append waiting for its ack, with an
	// expected last sequence per subject (our append path, minus us).
	SyncCASPerSecond float64 `json:"syncCASPerSecond"`
	SyncCASLatency   Latency `json:"syncCASLatency"`
	// Async: appends pipelined without waiting for each ack.
	AsyncPerSecond float64 `json:"asyncPerSecond"`
	// Replay: an ordered consumer reading the messages back.
	ReplayPerSecond float64 `json:"replayPerSecond"`
	MessageBytes    int     `json:"messageBytes"`
}

// MeasureCeiling appends n pod-sized messages to a stream of its own on
// the log's server (file storage, as the event log), in each of the ways,
// reads them back, and deletes the stream (natslog.Log.MeasureRaw).
func MeasureCeiling(ctx context.Context, l *natslog.Log, n int) (Ceiling, error) {
	sample, err := samplePodEvent()
	if err != nil {
		return Ceiling{}, err
	}
	f, err := l.MeasureRaw(ctx, sample, n)
	c := Ceiling{Messages: n, MessageBytes: f.MessageBytes}
	if err != nil {
		return c, err
	}
	c.SyncCASPerSecond, c.SyncCASLatency = Rate(n, f.SyncTook), Summarise(f.SyncCAS)
	c.AsyncPerSecond = Rate(n, f.AsyncTook)
	c.ReplayPerSecond = Rate(2*n, f.ReplayTook)
	return c, nil
}

// samplePodEvent is the message of a typical hollow pod's creation.
func samplePodEvent() (*events.Message, error) {
	p := podTemplate("ceiling", "jetplane/hello:1").Spec
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "ceiling-7d9f8b6c5-x2x4z", Namespace: "loadtest",
		Labels: map[string]string{"app": "ceiling", "pod-template-hash": "7d9f8b6c5"}}, Spec: p}
	events.PrepareCreate(pod, time.Now())
	ev, err := events.NewEvent(events.Origin{Source: "jetplane/loadtest", Actor: "loadtest"},
		events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}, time.Now())
	if err != nil {
		return nil, err
	}
	return events.Encode(ev)
}

// podTemplate is the pod template of the load test's Deployments: one
// container asking for a little CPU and memory, so the scheduler fits.
func podTemplate(app, image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image,
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}}}}},
	}
}
