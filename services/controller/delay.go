package controller

import (
	"container/heap"
	"time"
)

// delayed is a key waiting to be marked dirty at a time.
type delayed struct {
	key   string
	at    time.Time
	index int // in the heap, kept by Swap
}

// delayHeap orders delayed keys by time, earliest first.
type delayHeap []*delayed

func (h delayHeap) Len() int           { return len(h) }
func (h delayHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h delayHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *delayHeap) Push(x any) {
	d := x.(*delayed)
	d.index = len(*h)
	*h = append(*h, d)
}
func (h *delayHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	d.index = -1
	return d
}

// delays holds the keys waiting for their time: a heap and an index by key,
// so an earlier time for a key already waiting replaces the later one.
type delays struct {
	heap  delayHeap
	byKey map[string]*delayed
}

// add schedules key at t; it reports whether the earliest time changed.
func (d *delays) add(key string, at time.Time) bool {
	if d.byKey == nil {
		d.byKey = map[string]*delayed{}
	}
	if w, ok := d.byKey[key]; ok {
		if !at.Before(w.at) {
			return false // the earlier one wins
		}
		w.at = at
		heap.Fix(&d.heap, w.index)
		return w.index == 0
	}
	w := &delayed{key: key, at: at}
	d.byKey[key] = w
	heap.Push(&d.heap, w)
	return w.index == 0
}

// due removes and returns the keys whose time is not after now, earliest first.
func (d *delays) due(now time.Time) []string {
	var keys []string
	for len(d.heap) > 0 && !d.heap[0].at.After(now) {
		w := heap.Pop(&d.heap).(*delayed)
		delete(d.byKey, w.key)
		keys = append(keys, w.key)
	}
	return keys
}

// next is the earliest time waited for; false when none is.
func (d *delays) next() (time.Time, bool) {
	if len(d.heap) == 0 {
		return time.Time{}, false
	}
	return d.heap[0].at, true
}

// remove drops key if it waits.
func (d *delays) remove(key string) {
	if w, ok := d.byKey[key]; ok {
		heap.Remove(&d.heap, w.index)
		delete(d.byKey, key)
	}
}
