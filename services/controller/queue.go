package controller

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Queue holds dirty keys. A key is never handed to two workers at once, and a
// key marked dirty while being processed is processed again afterwards. Keys
// added for later wait in one heap behind one timer.
type Queue struct {
	mu         sync.Mutex
	ready      []string
	dirty      map[string]bool
	processing map[string]bool
	wake       chan struct{}

	delays delays
	timer  *time.Timer // fires at the earliest delayed key's time
	depth  prometheus.Gauge
}

// NewQueue makes an empty queue.
func NewQueue() *Queue {
	return &Queue{dirty: map[string]bool{}, processing: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// instrument reports the number of ready keys to g (shared by the queues of
// one service: it is moved by differences).
func (q *Queue) instrument(g prometheus.Gauge) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.depth != nil {
		return
	}
	q.depth = g
	g.Add(float64(len(q.ready)))
}

func (q *Queue) push(key string) {
	q.ready = append(q.ready, key)
	if q.depth != nil {
		q.depth.Inc()
	}
	q.signal()
}

// Add marks key dirty.
func (q *Queue) Add(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.add(key)
}

func (q *Queue) add(key string) {
	if q.dirty[key] {
		return
	}
	q.dirty[key] = true
	if !q.processing[key] {
		q.push(key)
	}
}

// AddAfter marks key dirty after d. If key already waits, the earlier time
// wins.
func (q *Queue) AddAfter(key string, d time.Duration) {
	if d <= 0 {
		q.Add(key)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.delays.add(key, time.Now().Add(d)) {
		q.arm()
	}
}

// Forget drops key's pending AddAfter (its object is gone).
func (q *Queue) Forget(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delays.remove(key)
}

// arm sets the timer to the earliest delayed key's time. Called locked.
func (q *Queue) arm() {
	at, ok := q.delays.next()
	if !ok {
		return
	}
	wait := max(time.Until(at), 0)
	if q.timer == nil {
		q.timer = time.AfterFunc(wait, q.fire)
		return
	}
	q.timer.Reset(wait)
}

// fire adds the keys whose time came and re-arms for the next.
func (q *Queue) fire() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, k := range q.delays.due(time.Now()) {
		q.add(k)
	}
	q.arm()
}

func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Get blocks for the next key; false when ctx ends.
func (q *Queue) Get(ctx context.Context) (string, bool) {
	for {
		q.mu.Lock()
		if len(q.ready) > 0 {
			key := q.ready[0]
			q.ready = q.ready[1:]
			if q.depth != nil {
				q.depth.Dec()
			}
			delete(q.dirty, key)
			q.processing[key] = true
			if len(q.ready) > 0 {
				q.signal()
			}
			q.mu.Unlock()
			return key, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-ctx.Done():
			return "", false
		}
	}
}

// Done ends the processing of key; if it became dirty meanwhile it is queued.
func (q *Queue) Done(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.processing, key)
	if q.dirty[key] {
		q.push(key)
	}
}

// Len is the number of keys waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ready)
}

// Delayed is the number of keys waiting for their time.
func (q *Queue) Delayed() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.delays.heap)
}
