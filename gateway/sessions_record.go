package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/sirupsen/logrus"
)

// recordSession appends rec on the pod's sessions subject, with CAS on the
// subject's last sequence. Sessions of one pod often end together (200
// forwarded connections at once): this gateway writes a pod's records one
// at a time, and a conflict with another gateway is retried until the
// deadline. A record that cannot be written is logged: the session itself
// is over.
func recordSession(log *natslog.Log, instance string, rec events.PodSessionRecord) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lock := &sessionRecordLocks[fnv32(rec.Namespace+"/"+rec.Pod)%uint32(len(sessionRecordLocks))]
	lock.Lock()
	defer lock.Unlock()
	data, err := json.Marshal(rec)
	for err == nil {
		var last *events.Event
		if last, err = log.LastFor(ctx, events.PodSessionsResource, rec.Namespace, rec.Pod); err != nil {
			break
		}
		var expected uint64
		if last != nil {
			expected = last.Seq
		}
		ev := &events.Event{ID: uuid.NewString(), Source: "jetplane/gateway/" + instance, Type: events.PodSessionEndedType,
			Time: rec.End.UTC(), Actor: rec.User, Impersonator: rec.Impersonator, Resource: events.PodSessionsResource, Namespace: rec.Namespace,
			Name: rec.Pod, Data: data}
		if _, err = log.Append(ctx, ev, expected); !errors.Is(err, events.ErrConflict) {
			break
		}
		err = nil
		select { // another gateway wrote first: again, after a little while
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(time.Duration(1+rand.IntN(20)) * time.Millisecond):
		}
	}
	if err != nil {
		logrus.WithFields(logrus.Fields{"service": "gateway", "key": rec.Namespace + "/" + rec.Pod, "kind": rec.Kind,
			"user": rec.User}).WithError(err).Error("session not recorded")
	}
}

// sessionRecordLocks order the records of one pod within this gateway
// (striped by pod: a lock per pod would be a map to clean up).
var sessionRecordLocks [64]sync.Mutex

// fnv32 is the FNV-1a hash of s.
func fnv32(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return h.Sum32()
}

// byteCounter counts the bytes read through it.
type byteCounter struct {
	r io.Reader
	n atomic.Int64
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sessionOutcome fills rec's end from how the session went.
func sessionOutcome(rec *events.PodSessionRecord, res *events.SessionResult, err error) {
	rec.End = time.Now()
	switch {
	case err != nil:
		rec.Error = err.Error()
	case res == nil:
		rec.Error = "the node agent ended the session without a result"
	default:
		rec.Exited, rec.ExitCode, rec.Error = res.Exited, res.ExitCode, res.Error
	}
}
