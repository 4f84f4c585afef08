package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/jetplane/jetplane/events"
)

// toMap and fromMap move objects through generic JSON so that spec and
// status can be handled the same way for every kind.
func toMap(obj events.Object) (map[string]any, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", obj.GetName(), err)
	}
	m := map[string]any{}
	if err := events.DecodeInto(data, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", obj.GetName(), err)
	}
	return m, nil
}

func fromMap(res events.Resource, m map[string]any) (events.Object, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", res.Kind, err)
	}
	obj, err := events.DecodeObject(res, data)
	if err != nil {
		return nil, err
	}
	res.SetTypeMeta(obj)
	return obj, nil
}

// sameJSON tells whether two values encode identically.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// hasStatus tells whether status is changed only through the subresource.
func hasStatus(res events.Resource) bool {
	for _, s := range res.Subresources {
		if s == "status" {
			return true
		}
	}
	return false
}

// withField returns obj with one top-level field taken from src (or removed
// when src lacks it).
func withField(res events.Resource, obj, src events.Object, field string) (events.Object, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	sm, err := toMap(src)
	if err != nil {
		return nil, err
	}
	if v, ok := sm[field]; ok {
		m[field] = v
	} else {
		delete(m, field)
	}
	return fromMap(res, m)
}

// changeOf names the event of an update: scaled when only the replica count
// of a scalable kind moved, else updated.
func changeOf(res events.Resource, oldM, newM map[string]any) string {
	if res.Name != "deployments" && res.Name != "replicasets" {
		return events.Updated
	}
	oldSpec, _ := oldM["spec"].(map[string]any)
	newSpec, _ := newM["spec"].(map[string]any)
	if oldSpec == nil || newSpec == nil || sameJSON(oldSpec["replicas"], newSpec["replicas"]) {
		return events.Updated
	}
	rest := map[string]any{}
	for k, v := range newSpec {
		rest[k] = v
	}
	rest["replicas"] = oldSpec["replicas"]
	if !sameJSON(rest, oldSpec) {
		return events.Updated
	}
	oldMeta, _ := oldM["metadata"].(map[string]any)
	newMeta, _ := newM["metadata"].(map[string]any)
	if !sameJSON(oldMeta["labels"], newMeta["labels"]) || !sameJSON(oldMeta["annotations"], newMeta["annotations"]) {
		return events.Updated
	}
	return "scaled"
}

// isDryRun reads dryRun=All.
func isDryRun(r *http.Request) bool {
	for _, v := range r.URL.Query()["dryRun"] {
		if v == "All" {
			return true
		}
	}
	return false
}
