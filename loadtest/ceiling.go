package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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

const ceilingStream = "LOADTEST_CEILING"

// MeasureCeiling appends n pod-sized messages to a stream of its own on
// the log's server (file storage, as the event log), in each of the ways,
// reads them back, and deletes the stream.
func MeasureCeiling(ctx context.Context, l *events.Log, n int) (Ceiling, error) {
	js := l.JS
	_ = js.DeleteStream(ctx, ceilingStream)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: ceilingStream, Subjects: []string{"loadtest.ceiling.>"},
		Storage: jetstream.FileStorage, Replicas: l.Stream().CachedInfo().Config.Replicas}); err != nil {
		return Ceiling{}, fmt.Errorf("ceiling stream: %w", err)
	}
	defer func() { _ = js.DeleteStream(context.Background(), ceilingStream) }()
	sample, err := samplePodEvent()
	if err != nil {
		return Ceiling{}, err
	}
	c := Ceiling{Messages: n, MessageBytes: len(sample.Data) + headerBytes(sample.Header)}
	msg := func(kind string, i int) *nats.Msg {
		// Each its own de-duplication id, as each event has.
		h := nats.Header{}
		for k, v := range sample.Header {
			h[k] = v
		}
		h.Set(nats.MsgIdHdr, fmt.Sprintf("%s-%s-%d", sample.Header.Get(nats.MsgIdHdr), kind, i))
		return &nats.Msg{Subject: fmt.Sprintf("loadtest.ceiling.%s.%d", kind, i), Header: h, Data: sample.Data}
	}

	lat := make([]time.Duration, 0, n)
	start := time.Now()
	for i := range n {
		t := time.Now()
		if _, err := js.PublishMsg(ctx, msg("sync", i), jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
			return c, fmt.Errorf("ceiling sync append: %w", err)
		}
		lat = append(lat, time.Since(t))
	}
	c.SyncCASPerSecond = Rate(n, time.Since(start))
	c.SyncCASLatency = Summarise(lat)

	start = time.Now()
	for i := range n {
		if _, err := js.PublishMsgAsync(msg("async", i)); err != nil {
			return c, fmt.Errorf("ceiling async append: %w", err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return c, ctx.Err()
	}
	c.AsyncPerSecond = Rate(n, time.Since(start))

	start = time.Now()
	cons, err := js.OrderedConsumer(ctx, ceilingStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return c, fmt.Errorf("ceiling replay: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2000))
	if err != nil {
		return c, fmt.Errorf("ceiling replay: %w", err)
	}
	defer it.Stop()
	for range 2 * n {
		if _, err := it.Next(jetstream.NextMaxWait(30 * time.Second)); err != nil {
			return c, fmt.Errorf("ceiling replay: %w", err)
		}
	}
	c.ReplayPerSecond = Rate(2*n, time.Since(start))
	return c, nil
}

// samplePodEvent is the message of a typical hollow pod's creation.
func samplePodEvent() (*nats.Msg, error) {
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

func headerBytes(h nats.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
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
