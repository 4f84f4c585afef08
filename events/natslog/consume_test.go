package natslog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reads of the past and ended follows leave no consumer on the server:
// each read removes its own, so many of them never reach the stream's
// consumer limit (a cluster's weather once piled up hundreds).
func TestReadsLeaveNoConsumerBehind(t *testing.T) {
	l := eventstest.Log(t)
	ctx := context.Background()
	for i := range 5 {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i), Namespace: "default"}}
		if _, err := l.Write(ctx, events.ServiceOrigin("test", "t"), events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}); err != nil {
			t.Fatal(err)
		}
	}
	for range 30 {
		n := 0
		if err := l.Replay(ctx, events.FilterSubject("pods", ""), 1, 0, func(*events.Event, error) error { n++; return nil }); err != nil || n != 5 {
			t.Fatalf("replay: %d events, %v", n, err)
		}
	}
	fctx, stop := context.WithCancel(ctx)
	followed := make(chan error, 1)
	go func() {
		followed <- l.Follow(fctx, events.FilterSubject("pods", ""), 1, func(*events.Event, error) error { return nil })
	}()
	eventstest.Eventually(t, 10*time.Second, func() error {
		if n, err := natslog.EventsConsumers(ctx, l); err != nil || n != 1 {
			return fmt.Errorf("%d consumers while one follow runs (%v)", n, err)
		}
		return nil
	})
	stop()
	<-followed
	// Below the consumers' idle limit (30 s), so it is the deletes that
	// are seen, not the server's expiry; room for a busy machine.
	eventstest.Eventually(t, 20*time.Second, func() error {
		if n, err := natslog.EventsConsumers(ctx, l); err != nil || n != 0 {
			return fmt.Errorf("%d consumers left after 30 reads and a follow ended (%v)", n, err)
		}
		return nil
	})
}
