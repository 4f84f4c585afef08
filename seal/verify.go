package seal

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Finding is the first place the stream is not what was sealed.
type Finding struct {
	Seq     uint64 // where it is first wrong
	Problem string // missing, altered, inserted, out of order, renumbered, signature, chain
	Detail  string
}

func (f *Finding) String() string { return fmt.Sprintf("seq %d: %s: %s", f.Seq, f.Problem, f.Detail) }

// Result of a verification.
type Result struct {
	From        uint64 // the first checkpoint verification started at (0: none seen)
	Checkpoints int
	Sealed      uint64 // messages whose digest a checkpoint confirmed
	Unsealed    int    // messages after the last checkpoint's seal
	Finding     *Finding
}

// Verifier checks a stream read in order, one message at a time.
type Verifier struct {
	key          ed25519.PublicKey
	isCheckpoint func(Message) bool
	pending      []pendingMessage
	prev         *[32]byte // the last checkpoint message's digest
	fromStart    bool
	res          Result
}

type pendingMessage struct {
	seq    uint64
	digest string
}

// NewVerifier verifies against the trusted key; isCheckpoint tells the
// checkpoint messages (by subject) from the sealed ones. fromStart says
// the stream is read from its very first message (sequence 1, nothing
// dropped by retention): then the first checkpoint must be the first ever
// and seal everything before it.
func NewVerifier(key ed25519.PublicKey, isCheckpoint func(Message) bool, fromStart bool) *Verifier {
	return &Verifier{key: key, isCheckpoint: isCheckpoint, fromStart: fromStart}
}

// Add takes the next message; once a finding is made, the rest is ignored.
func (v *Verifier) Add(m Message) {
	if v.res.Finding != nil {
		return
	}
	if !v.isCheckpoint(m) {
		d := Digest(m)
		v.pending = append(v.pending, pendingMessage{seq: m.Seq, digest: hex.EncodeToString(d[:])})
		return
	}
	fail := func(problem, format string, args ...any) {
		v.res.Finding = &Finding{Seq: m.Seq, Problem: problem, Detail: fmt.Sprintf(format, args...)}
	}
	var c Checkpoint
	if err := json.Unmarshal(m.Data, &c); err != nil {
		fail("altered", "checkpoint unreadable: %v", err)
		return
	}
	if err := c.Check(v.key); err != nil {
		fail("signature", "%v", err)
		return
	}
	sealed := c.Sealed
	switch {
	case v.prev == nil && v.fromStart:
		v.res.From = m.Seq
		if c.Prev != "" {
			fail("chain", "the first checkpoint of the stream names a previous one: a checkpoint before it is missing")
			return
		}
	case v.prev == nil:
		// The first checkpoint in view: what it seals before the first
		// message read was dropped by retention or left out by --from, and
		// what was read before its range an earlier checkpoint sealed.
		v.res.From = m.Seq
		for len(sealed) > 0 && (len(v.pending) == 0 || sealed[0].Seq < v.pending[0].seq) {
			sealed = sealed[1:]
		}
		// A message read before this range is sealed by no checkpoint:
		// any earlier one has a lower sequence than every message read.
		if len(sealed) > 0 && len(v.pending) > 0 && v.pending[0].seq < sealed[0].Seq {
			v.res.Finding = &Finding{Seq: v.pending[0].seq, Problem: "inserted", Detail: "a message no checkpoint sealed"}
			return
		}
	case c.Prev != hex.EncodeToString(v.prev[:]):
		fail("chain", "the checkpoint before this one is missing or altered (it names %.16s…, the stream has %.16s…)",
			c.Prev, hex.EncodeToString(v.prev[:]))
		return
	}
	if f := match(sealed, v.pending); f != nil {
		v.res.Finding = f
		return
	}
	v.res.Sealed += uint64(len(sealed))
	v.pending = v.pending[len(sealed):]
	d := Digest(m)
	v.prev = &d
	v.res.Checkpoints++
}

// match compares what a checkpoint sealed with what the stream holds, in
// order, and names the first difference.
func match(sealed []Entry, got []pendingMessage) *Finding {
	isSealed, isStored := map[string]bool{}, map[string]bool{}
	for _, e := range sealed {
		isSealed[e.Digest] = true
	}
	for _, g := range got {
		isStored[g.digest] = true
	}
	for i, e := range sealed {
		if i >= len(got) {
			return &Finding{Seq: e.Seq, Problem: "missing", Detail: "sealed, but the stream ends before it"}
		}
		g := got[i]
		switch {
		case g.digest == e.Digest && g.seq == e.Seq:
			continue
		case g.digest == e.Digest:
			return &Finding{Seq: e.Seq, Problem: "renumbered",
				Detail: fmt.Sprintf("the message sealed at seq %d is at seq %d: a message before it is missing", e.Seq, g.seq)}
		case !isStored[e.Digest] && isSealed[g.digest]:
			return &Finding{Seq: e.Seq, Problem: "missing", Detail: "the message sealed here is not in the stream"}
		case !isSealed[g.digest] && i+1 < len(got) && got[i+1].digest == e.Digest:
			return &Finding{Seq: g.seq, Problem: "inserted", Detail: "a message no checkpoint sealed"}
		case !isSealed[g.digest]:
			return &Finding{Seq: g.seq, Problem: "altered", Detail: "the message here is not the one sealed"}
		}
		return &Finding{Seq: g.seq, Problem: "out of order", Detail: "a sealed message at another place"}
	}
	return nil
}

// Done ends the verification.
func (v *Verifier) Done() Result {
	res := v.res
	res.Unsealed = len(v.pending)
	return res
}
