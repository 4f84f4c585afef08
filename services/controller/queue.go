package controller

import (
	"context"
	"sync"
	"time"
)

// Queue holds dirty keys. A key is never handed to two workers at once, and a
// key marked dirty while being processed is processed again afterwards.
type Queue struct {
	mu         sync.Mutex
	ready      []string
	dirty      map[string]bool
	processing map[string]bool
	wake       chan struct{}
}

// NewQueue makes an empty queue.
func NewQueue() *Queue {
	return &Queue{dirty: map[string]bool{}, processing: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Add marks key dirty.
func (q *Queue) Add(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.dirty[key] {
		return
	}
	q.dirty[key] = true
	if !q.processing[key] {
		q.ready = append(q.ready, key)
		q.signal()
	}
}

// AddAfter marks key dirty after d.
func (q *Queue) AddAfter(key string, d time.Duration) {
	if d <= 0 {
		q.Add(key)
		return
	}
	time.AfterFunc(d, func() { q.Add(key) })
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
		q.ready = append(q.ready, key)
		q.signal()
	}
}

// Len is the number of keys waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ready)
}
