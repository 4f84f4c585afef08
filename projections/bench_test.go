package projections_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const replayEvents = 20000

// seedLog appends replayEvents pod creates with async publishes (fast set-up).
func seedLog(b *testing.B) *natslog.Log {
	b.Helper()
	l := eventstest.Log(b)
	pods := events.MustLookup("pods")
	evs := make([]*events.Event, 0, replayEvents)
	for i := 0; i < replayEvents; i++ {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i), Namespace: "default",
			Labels: map[string]string{"app": "web"}}, Spec: corev1.PodSpec{NodeName: fmt.Sprintf("n%d", i%10),
			Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}
		events.PrepareCreate(p, time.Now())
		ev, err := events.NewEvent(events.Origin{Source: "bench"}, events.Write{Resource: pods, Change: events.Created, Object: p}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		evs = append(evs, ev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.AppendUnchecked(ctx, evs); err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkReplay compares rebuilding a projection from sequence 1 (decode,
// fold, index) with reading the same messages through a bare ordered consumer.
func BenchmarkReplay(b *testing.B) {
	ctx := context.Background()
	l := seedLog(b)
	b.Run("raw-ordered-consumer", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			eventstest.ReadRaw(b, l, replayEvents)
		}
		b.ReportMetric(float64(b.N*replayEvents)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("projection-rebuild", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			st, err := projections.AsOf(ctx, l, replayEvents)
			if err != nil {
				b.Fatal(err)
			}
			if st.Count("pods") != replayEvents {
				b.Fatalf("rebuilt %d pods", st.Count("pods"))
			}
		}
		b.ReportMetric(float64(b.N*replayEvents)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkApply folds one decoded pod event into a State (the projection's
// per-event work once the message is read): decode of the object, indexes.
func BenchmarkApply(b *testing.B) {
	pods := events.MustLookup("pods")
	evs := make([]*events.Event, 10000)
	for i := range evs {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i), Namespace: "default",
			Labels: map[string]string{"app": "web"}}, Spec: corev1.PodSpec{NodeName: fmt.Sprintf("n%d", i%10),
			Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}
		events.PrepareCreate(p, time.Now())
		ev, err := events.NewEvent(events.Origin{Source: "bench"}, events.Write{Resource: pods, Change: events.Created, Object: p}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		evs[i] = ev
	}
	st := projections.NewState()
	seq := uint64(0)
	for i := 0; b.Loop(); i++ {
		if i%len(evs) == 0 {
			st = projections.NewState()
		}
		seq++
		ev := *evs[i%len(evs)]
		ev.Seq = seq
		if _, _, err := st.Apply(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
