package restore

import (
	"encoding/json"
	"reflect"
	"sort"

	"github.com/jetplane/jetplane/events"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Key names one object.
type Key struct{ Resource, Namespace, Name string }

// Current is an object as it stands now, with the sequence to expect when
// changing it.
type Current struct {
	Object events.Object
	Seq    uint64
}

// Input is the two states to reconcile.
type Input struct {
	Past map[Key]events.Object // live objects right after the target revision
	Now  map[Key]Current       // live objects now
	// Tombstones: the last sequence of subjects whose object is deleted now
	// (a re-create expects it).
	Tombstones map[Key]uint64
	Namespace  string // restore only this namespace; "" restores everything
}

// Action of a change.
type Action string

const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// Change is one compensating write. Object is what to write (for a delete,
// the object as it is now); Expected is the sequence to append after.
type Change struct {
	Action   Action
	Key      Key
	Object   events.Object
	Expected uint64
}

// managedElsewhere tells whether restore leaves an object to the service
// that manages it.
func managedElsewhere(k Key, obj events.Object) bool {
	switch k.Resource {
	case "nodes", "endpoints":
		return true
	}
	return metav1.GetControllerOfNoCopy(obj) != nil
}

func (in Input) inScope(k Key, obj events.Object) bool {
	if in.Namespace != "" && k.Namespace != in.Namespace {
		return false
	}
	return !managedElsewhere(k, obj)
}

// Decide lists the changes, in an order that works: namespaces are created
// first and deleted last; within a step, objects are sorted by key.
func Decide(in Input) []Change {
	var creates, updates, deletes, nsCreates, nsDeletes []Change
	for k, past := range in.Past {
		if !in.inScope(k, past) {
			continue
		}
		cur, exists := in.Now[k]
		if !exists {
			ch := Change{Action: Create, Key: k, Object: recreated(past), Expected: in.Tombstones[k]}
			if k.Resource == "namespaces" {
				nsCreates = append(nsCreates, ch)
			} else {
				creates = append(creates, ch)
			}
			continue
		}
		if reverted, changed := revert(cur.Object, past); changed {
			updates = append(updates, Change{Action: Update, Key: k, Object: reverted, Expected: cur.Seq})
		}
	}
	for k, cur := range in.Now {
		if _, existed := in.Past[k]; existed || !in.inScope(k, cur.Object) {
			continue
		}
		if cur.Object.GetDeletionTimestamp() != nil {
			continue // already on its way out
		}
		ch := Change{Action: Delete, Key: k, Object: cur.Object.DeepCopyObject().(events.Object), Expected: cur.Seq}
		if k.Resource == "namespaces" {
			nsDeletes = append(nsDeletes, ch)
		} else {
			deletes = append(deletes, ch)
		}
	}
	var out []Change
	for _, group := range [][]Change{nsCreates, creates, updates, deletes, nsDeletes} {
		sort.Slice(group, func(i, j int) bool { return less(group[i].Key, group[j].Key) })
		out = append(out, group...)
	}
	return out
}

func less(a, b Key) bool {
	if a.Resource != b.Resource {
		return a.Resource < b.Resource
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// recreated is a past object ready to be created again: same identity (UID,
// so that what it owned is its own again), spec and metadata, no status,
// not being deleted.
func recreated(past events.Object) events.Object {
	obj := past.DeepCopyObject().(events.Object)
	obj.SetResourceVersion("")
	obj.SetDeletionTimestamp(nil)
	obj.SetDeletionGracePeriodSeconds(nil)
	m, err := toMap(obj)
	if err != nil {
		return obj
	}
	delete(m, "status")
	if out, err := fromMap(m, past); err == nil {
		return out
	}
	return obj
}

// revert returns the current object with the past's spec, labels and
// annotations (its identity and status stay), and whether that changes it.
func revert(cur, past events.Object) (events.Object, bool) {
	cm, err1 := toMap(cur)
	pm, err2 := toMap(past)
	if err1 != nil || err2 != nil {
		return cur, false
	}
	changed, specChanged := false, false
	for _, field := range []string{"spec", "data", "type"} { // spec; ConfigMap-like data; Service/Secret type
		if !reflect.DeepEqual(cm[field], pm[field]) {
			changed, specChanged = true, specChanged || field == "spec"
			if v, ok := pm[field]; ok {
				cm[field] = v
			} else {
				delete(cm, field)
			}
		}
	}
	out, err := fromMap(cm, cur)
	if err != nil {
		return cur, false
	}
	if specChanged && out.GetGeneration() > 0 {
		out.SetGeneration(out.GetGeneration() + 1) // as the API server does on a spec change
	}
	if !reflect.DeepEqual(cur.GetLabels(), past.GetLabels()) && (len(cur.GetLabels())+len(past.GetLabels()) > 0) {
		out.SetLabels(past.GetLabels())
		changed = true
	}
	if !reflect.DeepEqual(cur.GetAnnotations(), past.GetAnnotations()) && (len(cur.GetAnnotations())+len(past.GetAnnotations()) > 0) {
		out.SetAnnotations(past.GetAnnotations())
		changed = true
	}
	return out, changed
}

func toMap(obj events.Object) (map[string]any, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	return m, events.DecodeInto(data, &m)
}

// fromMap decodes m into a new object of like's type.
func fromMap(m map[string]any, like events.Object) (events.Object, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	out := reflect.New(reflect.TypeOf(like).Elem()).Interface().(events.Object)
	return out, events.DecodeInto(data, out)
}
