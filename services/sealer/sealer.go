package sealer

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/seal"
	"github.com/sirupsen/logrus"
)

// Config of the sealer.
type Config struct {
	Log      *natslog.Log
	Key      ed25519.PrivateKey
	Instance string
	// Every: seal once this many events wait (default 1000); a checkpoint
	// seals at most this many, so a long unsealed log is sealed in steps.
	Every int
	// Interval: seal what waits at least this often (default 10s).
	Interval time.Duration
	// Poll: how often to look (default 1s).
	Poll time.Duration
	Now  func() time.Time
}

// Actor of checkpoints.
const Actor = "system:jetplane:sealer"

// Run seals until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Log == nil || cfg.Key == nil {
		return errors.New("sealer: Log and Key are required")
	}
	cfg.defaults()
	log := logrus.WithField("service", "sealer")
	tick := time.NewTicker(cfg.Poll)
	defer tick.Stop()
	for {
		for {
			sealed, err := SealOnce(ctx, cfg)
			if err != nil && ctx.Err() == nil && !errors.Is(err, events.ErrConflict) {
				log.WithError(err).Warn("sealing failed; retrying")
			}
			if !sealed || err != nil {
				break // a full step sealed: look again at once, the log may be far ahead
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (cfg *Config) defaults() {
	if cfg.Every <= 0 {
		cfg.Every = 1000
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = min(time.Second, cfg.Interval)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

// SealOnce appends one checkpoint when enough waits (cfg.Every events,
// or any after cfg.Interval) and reports whether it did.
func SealOnce(ctx context.Context, cfg Config) (bool, error) {
	cfg.defaults()
	last, err := cfg.Log.LastFor(ctx, seal.Resource, "", seal.Name)
	if err != nil {
		return false, err
	}
	var prev *seal.Message
	from, expected := uint64(1), uint64(0)
	if last != nil {
		var c seal.Checkpoint
		if err := json.Unmarshal(last.Data, &c); err != nil {
			return false, fmt.Errorf("last checkpoint at seq %d: %w", last.Seq, err)
		}
		if own := hex.EncodeToString(cfg.Key.Public().(ed25519.PublicKey)); c.Key != own {
			return false, fmt.Errorf("the last checkpoint (seq %d) is signed by key %.16s…, not this sealer's %.16s…: one seal key per cluster (copy seal.key)",
				last.Seq, c.Key, own)
		}
		from, expected = c.Last()+1, last.Seq
		if prev, err = readOne(ctx, cfg.Log, last.Seq); err != nil {
			return false, err
		}
	}
	first, end, err := cfg.Log.Bounds(ctx)
	if err != nil {
		return false, err
	}
	from = max(from, first) // retention dropped what was never sealed: seal what is left
	waiting := int64(end) - int64(from) + 1
	if expected >= from {
		waiting-- // the last checkpoint itself
	}
	if waiting <= 0 {
		return false, nil
	}
	if waiting < int64(cfg.Every) {
		// Not enough yet: seal only once the oldest waiting event is Interval old.
		oldest, err := cfg.Log.StoredAt(ctx, from)
		if err != nil {
			return false, err
		}
		if cfg.Now().Sub(oldest) < cfg.Interval {
			return false, nil
		}
	}
	to := min(end, from+uint64(cfg.Every)) // one more: the last checkpoint may be among them
	subject := events.Subject(seal.Resource, "", seal.Name)
	var msgs []seal.Message
	err = cfg.Log.ReadMessages(ctx, from, to, func(seq uint64, m *events.Message) error {
		if m.Subject != subject && len(msgs) < cfg.Every {
			msgs = append(msgs, seal.Message{Seq: seq, Subject: m.Subject, Header: m.Header, Data: m.Data})
		}
		return nil
	})
	if err != nil || len(msgs) == 0 {
		return false, err
	}
	data, err := json.Marshal(seal.New(msgs, prev, cfg.Key))
	if err != nil {
		return false, err
	}
	id := uuid.NewString()
	e := &events.Event{ID: id, CorrelationID: id, Source: "jetplane/sealer/" + cfg.Instance, Type: seal.EventType,
		Time: cfg.Now().UTC(), Actor: Actor, Resource: seal.Resource, Name: seal.Name, Data: data}
	seq, err := cfg.Log.Append(ctx, e, expected)
	if err != nil {
		return false, err
	}
	logrus.WithFields(logrus.Fields{"service": "sealer", "seq": seq, "from": msgs[0].Seq, "to": msgs[len(msgs)-1].Seq}).
		Debug("sealed")
	return true, nil
}

func readOne(ctx context.Context, l *natslog.Log, seq uint64) (*seal.Message, error) {
	var out *seal.Message
	err := l.ReadMessages(ctx, seq, seq, func(s uint64, m *events.Message) error {
		out = &seal.Message{Seq: s, Subject: m.Subject, Header: m.Header, Data: m.Data}
		return nil
	})
	if err == nil && out == nil {
		err = fmt.Errorf("checkpoint at seq %d: not in the stream", seq)
	}
	return out, err
}

// Verify re-reads the log from sequence from (0: its first) and checks
// it against its checkpoints with the trusted public key.
func Verify(ctx context.Context, l *natslog.Log, key ed25519.PublicKey, from uint64) (seal.Result, error) {
	first, _, err := l.Bounds(ctx)
	if err != nil {
		return seal.Result{}, err
	}
	if from < first {
		from = first
	}
	subject := events.Subject(seal.Resource, "", seal.Name)
	v := seal.NewVerifier(key, func(m seal.Message) bool { return m.Subject == subject }, from <= 1)
	err = l.ReadMessages(ctx, from, 0, func(seq uint64, m *events.Message) error {
		v.Add(seal.Message{Seq: seq, Subject: m.Subject, Header: m.Header, Data: m.Data})
		return nil
	})
	return v.Done(), err
}
