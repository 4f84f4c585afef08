package natslog_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// storedMessage is what a restore must give back of every event.
type storedMessage struct {
	seq     uint64
	subject string
	data    string
	id      string
}

func allMessages(t *testing.T, l interface {
	ReadMessages(context.Context, uint64, uint64, func(uint64, *events.Message) error) error
}) []storedMessage {
	t.Helper()
	var out []storedMessage
	err := l.ReadMessages(context.Background(), 1, 0, func(seq uint64, m *events.Message) error {
		out = append(out, storedMessage{seq, m.Subject, string(m.Data), strings.Join(m.Header[events.HeaderMsgID], ",")})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A backup taken while writes go on restores into an empty server with
// every event at its sequence, byte for byte, the stream's receive times
// (what ?asOfTime resolves by) and the Secrets' data keys; a restore into a
// log that holds events is refused and changes nothing.
func TestBackupRestoresIntoAnEmptyCluster(t *testing.T) {
	ctx := context.Background()
	src := eventstest.Log(t)
	write := func(name string) {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
		if _, err := src.Write(ctx, events.ServiceOrigin("test", "t"), events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}); err != nil {
			t.Fatal(err)
		}
	}
	// Enough for a snapshot of several chunks (flow control).
	var bulk []*events.Event
	for i := range 6000 {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bulk-%d", i), Namespace: "default",
			Labels: map[string]string{"app": fmt.Sprintf("app-%d", i)}}}
		ev, err := events.NewEvent(events.ServiceOrigin("test", "t"), events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		bulk = append(bulk, ev)
	}
	if err := src.AppendUnchecked(ctx, bulk); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		write(fmt.Sprintf("before-%d", i))
	}
	if _, err := src.SecretKeys().Put(ctx, "default.s1", []byte("wrapped-key")); err != nil {
		t.Fatal(err)
	}
	midTime := time.Now()
	for i := range 50 {
		write(fmt.Sprintf("mid-%d", i))
	}
	// Online: writes go on while the backup is taken.
	stop := make(chan struct{})
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				write(fmt.Sprintf("during-%d", i))
			}
		}
	}()
	var backup bytes.Buffer
	stats, err := src.Backup(ctx, &backup)
	close(stop)
	<-wrote
	if err != nil {
		t.Fatal(err)
	}
	if stats.LastSeq < 6250 || stats.Streams != 4 || stats.Bytes < 2*256<<10 {
		t.Fatalf("backup stats %+v", stats)
	}
	want := allMessages(t, src)[:stats.LastSeq]
	wantAt, err := src.SeqAt(ctx, midTime)
	if err != nil {
		t.Fatal(err)
	}

	dst := eventstest.Log(t) // a fresh server: its streams made, empty
	got, err := dst.Restore(ctx, bytes.NewReader(backup.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got.LastSeq != stats.LastSeq {
		t.Errorf("restored up to %d, backed up to %d", got.LastSeq, stats.LastSeq)
	}
	restored := allMessages(t, dst)
	if len(restored) != len(want) {
		t.Fatalf("%d events restored, %d backed up", len(restored), len(want))
	}
	for i := range want {
		if restored[i] != want[i] {
			t.Fatalf("event %d restored as %+v, was %+v", i+1, restored[i], want[i])
		}
	}
	if at, err := dst.SeqAt(ctx, midTime); err != nil || at != wantAt {
		t.Errorf("the sequence at a moment: %d (%v), was %d", at, err, wantAt)
	}
	if e, err := dst.SecretKeys().Get(ctx, "default.s1"); err != nil || string(e.Value) != "wrapped-key" {
		t.Errorf("secret data key after restore: %q %v", e.Value, err)
	}
	// The restored log goes on from where the backup ends.
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "after", Namespace: "default"}}
	ev, err := dst.Write(ctx, events.ServiceOrigin("test", "t"), events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod})
	if err != nil || ev.Seq != stats.LastSeq+1 {
		t.Fatalf("a write after the restore: seq %v, %v; want %d", ev, err, stats.LastSeq+1)
	}

	if _, err := dst.Restore(ctx, bytes.NewReader(backup.Bytes())); err == nil || !strings.Contains(err.Error(), "empty cluster") {
		t.Fatalf("restore into a log with events: %v, want refused", err)
	}
	if n := len(allMessages(t, dst)); n != len(want)+1 {
		t.Errorf("a refused restore changed the log: %d events, want %d", n, len(want)+1)
	}
}
