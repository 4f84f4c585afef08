package natslog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
)

func TestReplayEndsAtTheEndOfTheRange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := eventstest.Log(t)
	pods := events.MustLookup("pods")
	seqs := map[string][]uint64{}
	for i := range 3 {
		for _, name := range []string{"a", "b"} {
			p := benchPod(i)
			p.Name = name
			last := uint64(0)
			if s := seqs[name]; len(s) > 0 {
				last = s[len(s)-1]
			}
			change := events.Updated
			if last == 0 {
				change = events.Created
			}
			ev, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: change, Object: p, Expected: last})
			if err != nil {
				t.Fatal(err)
			}
			seqs[name] = append(seqs[name], ev.Seq)
		}
	}
	collect := func(filter string, from, to uint64) ([]uint64, error) {
		var got []uint64
		err := l.Replay(ctx, filter, from, to, func(ev *events.Event, decErr error) error {
			if decErr != nil {
				return decErr
			}
			got = append(got, ev.Seq)
			return nil
		})
		return got, err
	}
	cases := []struct {
		name     string
		filter   string
		from, to uint64
		want     []uint64
	}{
		{"one object, all of it", events.Subject("pods", "default", "a"), 0, 0, seqs["a"]},
		{"from the second change", events.Subject("pods", "default", "b"), seqs["b"][1], 0, seqs["b"][1:]},
		{"up to a sequence", events.Subject("pods", "default", "a"), 0, seqs["a"][1], seqs["a"][:2]},
		{"nothing matches", events.Subject("pods", "default", "none"), 0, 0, nil},
		{"from past the end", events.Subject("pods", "default", "a"), seqs["b"][2] + 1, 0, nil},
		{"every pod", events.FilterSubject("pods", ""), 0, 0, []uint64{1, 2, 3, 4, 5, 6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := collect(c.filter, c.from, c.to)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}

	// Once the beginning is trimmed, replaying from it says so.
	if err := l.TrimBefore(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := collect(events.FilterSubject("pods", ""), 1, 0); !errors.Is(err, events.ErrHistoryTrimmed) {
		t.Fatalf("replay of trimmed history: %v", err)
	}
}

func TestSeqAtFindsTheFirstEventAtOrAfterATime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := eventstest.Log(t)
	pods := events.MustLookup("pods")
	var times []time.Time
	var seqs []uint64
	for i := range 9 {
		ev, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created, Object: benchPod(i)})
		if err != nil {
			t.Fatal(err)
		}
		at, err := l.StoredAt(ctx, ev.Seq)
		if err != nil {
			t.Fatal(err)
		}
		times, seqs = append(times, at), append(seqs, ev.Seq)
	}
	// EVENTS has no holes (DenyDelete, TestDeleteAndPurgeAreRefused): its
	// only gap is the front retention drops, searched from below.
	if err := l.TrimBefore(ctx, seqs[1]); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		at   time.Time
		want uint64
	}{
		{"before everything", times[0].Add(-time.Hour), seqs[1]},
		{"the dropped one's time lands on the first kept", times[0], seqs[1]},
		{"exactly the first kept", times[1], seqs[1]},
		{"exactly a middle one", times[6], seqs[6]},
		{"after everything", times[8].Add(time.Nanosecond), seqs[8] + 1},
	}
	for _, c := range cases {
		got, err := l.SeqAt(ctx, c.at)
		if err != nil {
			t.Fatal(err)
		}
		// Two messages may share a receive time: the first of them is right.
		if got != c.want && !(got < c.want && times[got-1].Equal(c.at)) {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}
