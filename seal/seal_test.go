package seal

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"
)

const checkpointSubject = "jetplane.ev.checkpoints._.log"

func isCheckpoint(m Message) bool { return m.Subject == checkpointSubject }

// history is n events with a checkpoint after every `every` of them.
func history(t *testing.T, key ed25519.PrivateKey, n, every int) []Message {
	t.Helper()
	var out, batch []Message
	var prev *Message
	seq := uint64(0)
	seal := func() {
		c := New(batch, prev, key)
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		seq++
		m := Message{Seq: seq, Subject: checkpointSubject, Header: map[string][]string{"ce-type": {EventType}}, Data: data}
		out, batch, prev = append(out, m), nil, &m
	}
	for i := range n {
		seq++
		m := Message{Seq: seq, Subject: fmt.Sprintf("jetplane.ev.pods.default.p%d", i),
			Header: map[string][]string{"ce-id": {fmt.Sprint(i)}}, Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		out, batch = append(out, m), append(batch, m)
		if len(batch) == every {
			seal()
		}
	}
	return out
}

// renumber is what recreating the stream from msgs gives: sequences 1..n.
func renumber(msgs []Message) []Message {
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		m.Seq = uint64(i + 1)
		out[i] = m
	}
	return out
}

func without(msgs []Message, i int) []Message {
	return append(append([]Message{}, msgs[:i]...), msgs[i+1:]...)
}

func TestVerify(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	clean := history(t, key, 10, 4) // seqs: 1-4 events, 5 checkpoint, 6-9, 10 checkpoint, 11-12 unsealed
	altered := append([]Message{}, clean...)
	altered[6].Data = []byte(`{"n":5,"evil":true}`)
	swapped := append([]Message{}, clean...)
	swapped[1], swapped[2] = swapped[2], swapped[1]
	swapped[1].Seq, swapped[2].Seq = 2, 3
	inserted := renumber(append(append(append([]Message{}, clean[:2]...),
		Message{Subject: "jetplane.ev.pods.default.forged", Data: []byte("{}")}), clean[2:]...))
	cases := []struct {
		name     string
		msgs     []Message
		partial  bool // not read from the stream's start
		problem  string
		seq      uint64
		sealed   uint64
		unsealed int
	}{
		{name: "intact", msgs: clean, sealed: 8, unsealed: 2},
		{name: "a message missing", msgs: renumber(without(clean, 6)), problem: "missing", seq: 7},
		{name: "a message altered", msgs: altered, problem: "altered", seq: 7},
		{name: "two swapped", msgs: swapped, problem: "out of order", seq: 2},
		{name: "one inserted", msgs: inserted, problem: "inserted", seq: 3},
		{name: "the first checkpoint missing", msgs: renumber(without(clean, 4)), problem: "chain", seq: 9},
		{name: "a later checkpoint missing", msgs: renumber(without(history(t, key, 12, 4), 9)), problem: "chain", seq: 14},
		{name: "signed by another key", msgs: history(t, other, 4, 4), problem: "signature", seq: 5},
		{name: "retention dropped the start", msgs: clean[2:], partial: true, sealed: 6, unsealed: 2},
		{name: "read from after the first checkpoint", msgs: clean[6:], partial: true, sealed: 3, unsealed: 2},
		{name: "a front replaced and its checkpoint dropped", msgs: append([]Message{{Seq: 3, Subject: "jetplane.ev.pods.default.forged", Data: []byte("{}")}},
			clean[5:]...), partial: true, problem: "inserted", seq: 3},
		{name: "the last message missing", msgs: renumber(without(clean, 8)), problem: "missing", seq: 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := NewVerifier(pub, isCheckpoint, !c.partial)
			for _, m := range c.msgs {
				v.Add(m)
			}
			res := v.Done()
			if c.problem == "" {
				if res.Finding != nil {
					t.Fatalf("finding on an intact history: %s", res.Finding)
				}
				if res.Sealed != c.sealed || res.Unsealed != c.unsealed {
					t.Fatalf("sealed %d unsealed %d, want %d and %d", res.Sealed, res.Unsealed, c.sealed, c.unsealed)
				}
				return
			}
			if res.Finding == nil || res.Finding.Problem != c.problem || res.Finding.Seq != c.seq {
				t.Fatalf("finding %v, want %s at seq %d", res.Finding, c.problem, c.seq)
			}
		})
	}
}
