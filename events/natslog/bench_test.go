package natslog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func benchPod(i int) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "hello", Image: "jetplane/hello:1"}}},
	}
	events.PrepareCreate(p, time.Now())
	return p
}

// BenchmarkAppend compares the one append path (CloudEvent encoding, JSON of a
// pod, CAS header, de-duplication id) with a bare synchronous JetStream
// publish of the same bytes on the same server: the ratio is the cost of our
// contract over the raw ceiling.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	b.Run("raw-jetstream-publish", func(b *testing.B) {
		l := eventstest.Log(b)
		pod := benchPod(0)
		ev, _ := events.NewEvent(events.Origin{Source: "bench"}, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}, time.Now())
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := l.PublishRaw(ctx, fmt.Sprintf("jetplane.ev.pods.default.raw-%d", i), ev.Data, false); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("raw-jetstream-publish-expected-seq", func(b *testing.B) {
		l := eventstest.Log(b)
		pod := benchPod(0)
		ev, _ := events.NewEvent(events.Origin{Source: "bench"}, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}, time.Now())
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := l.PublishRaw(ctx, fmt.Sprintf("jetplane.ev.pods.default.raw-%d", i), ev.Data, true); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("jetplane-write-pod-create", func(b *testing.B) {
		l := eventstest.Log(b)
		pods := events.MustLookup("pods")
		origin := events.Origin{Source: "bench", Actor: "bench"}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created, Object: benchPod(i)}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

func BenchmarkCodec(b *testing.B) {
	ev, _ := events.NewEvent(events.Origin{Source: "bench", Actor: "a"}, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: benchPod(1)}, time.Now())
	ev.Seq = 1
	b.Run("encode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := events.Encode(ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	m, _ := events.Encode(ev)
	b.Run("decode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := events.Decode(m.Subject, m.Header, m.Data, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}
