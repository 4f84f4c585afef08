package changesummary

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Summary is what one change changed.
type Summary struct {
	Text       string // "image hello: a → b; replicas 3 → 6"; "" when nothing a person would see
	StatusOnly bool   // only status and bookkeeping moved
	Manager    string // the field manager whose entry the change touched, "" if none did
}

// maxItems is how many changes one line names before "+N more".
const maxItems = 4

// bookkeeping are metadata fields every write moves or none may change.
var bookkeeping = map[string]bool{"resourceVersion": true, "managedFields": true, "generation": true,
	"uid": true, "creationTimestamp": true, "selfLink": true}

// hiddenValues are top-level maps whose values are not shown.
var hiddenValues = map[string]bool{"data": true, "binaryData": true, "stringData": true}

// Of describes the change from prev to cur; prev is nil for a creation, cur
// nil for a deletion.
func Of(prev, cur map[string]any) Summary {
	switch {
	case prev == nil && cur == nil:
		return Summary{}
	case prev == nil:
		return Summary{Text: "created", Manager: changedManager(nil, cur)}
	case cur == nil:
		return Summary{Text: "deleted"}
	}
	var items []string
	pm, cm := asMap(prev["metadata"]), asMap(cur["metadata"])
	items = append(items, mapChanges("label", asMap(pm["labels"]), asMap(cm["labels"]), true)...)
	items = append(items, mapChanges("annotation", asMap(pm["annotations"]), asMap(cm["annotations"]), false)...)
	items = append(items, ownerChanges(pm["ownerReferences"], cm["ownerReferences"])...)
	if pm["deletionTimestamp"] == nil && cm["deletionTimestamp"] != nil {
		items = append(items, "deletion requested")
	}
	items = append(items, mapChanges("finalizer", listSet(pm["finalizers"]), listSet(cm["finalizers"]), false)...)
	for _, k := range sortedKeys(union(pm, cm)) {
		if !bookkeeping[k] && !metaShown[k] && !same(pm[k], cm[k]) {
			items = append(items, "metadata."+k+" changed")
		}
	}
	for _, k := range sortedKeys(union(prev, cur)) {
		switch k {
		case "metadata", "status", "apiVersion", "kind":
			continue
		case "spec":
			items = append(items, specChanges(asMap(prev[k]), asMap(cur[k]))...)
		default:
			if hiddenValues[k] {
				items = append(items, mapChanges(k+" key", asMap(prev[k]), asMap(cur[k]), false)...)
			} else {
				items = append(items, leafChanges(k, prev[k], cur[k])...)
			}
		}
	}
	s := Summary{Manager: changedManager(pm["managedFields"], cur)}
	if len(items) == 0 {
		s.StatusOnly = true
		items = leafChanges("status", prev["status"], cur["status"])
	}
	s.Text = join(items)
	return s
}

// metaShown are the metadata fields mapChanges and the like describe.
var metaShown = map[string]bool{"labels": true, "annotations": true, "ownerReferences": true,
	"deletionTimestamp": true, "finalizers": true, "deletionGracePeriodSeconds": true}

func join(items []string) string {
	if len(items) > maxItems {
		return strings.Join(items[:maxItems], "; ") + fmt.Sprintf("; +%d more", len(items)-maxItems)
	}
	return strings.Join(items, "; ")
}

// specChanges names images and replicas first, then every other leaf.
func specChanges(prev, cur map[string]any) []string {
	var items []string
	if !same(prev["replicas"], cur["replicas"]) {
		items = append(items, fmt.Sprintf("replicas %s → %s", short(prev["replicas"]), short(cur["replicas"])))
	}
	pt, ct := podSpecOf(prev), podSpecOf(cur)
	path := "template.spec"
	if _, ok := prev["containers"]; ok {
		path = ""
	}
	images := map[string]bool{}
	pc, cc := containersByName(pt), containersByName(ct)
	for _, name := range sortedKeys(union(pc, cc)) {
		pi, ci := asMap(pc[name])["image"], asMap(cc[name])["image"]
		if pi != nil && ci != nil && !same(pi, ci) {
			items = append(items, fmt.Sprintf("image %s: %s → %s", name, short(pi), short(ci)))
			images[name] = true
		}
	}
	for _, l := range leafChanges("spec", prev, cur) {
		if strings.HasPrefix(l, "spec.replicas") || isImageLeaf(l, path, images) {
			continue
		}
		items = append(items, l)
	}
	return items
}

func isImageLeaf(leaf, path string, images map[string]bool) bool {
	for name := range images {
		p := "spec." + path + ".containers[" + name + "].image"
		if path == "" {
			p = "spec.containers[" + name + "].image"
		}
		if strings.HasPrefix(leaf, p+":") || strings.HasPrefix(leaf, p+" ") {
			return true
		}
	}
	return false
}

// podSpecOf is a workload's pod template spec, or the spec itself (a pod).
func podSpecOf(spec map[string]any) map[string]any {
	if t := asMap(asMap(spec["template"])["spec"]); t != nil {
		return t
	}
	return spec
}

func containersByName(spec map[string]any) map[string]any {
	out := map[string]any{}
	for _, key := range []string{"initContainers", "containers"} {
		list, _ := spec[key].([]any)
		for _, c := range list {
			if name, ok := asMap(c)["name"].(string); ok {
				out[name] = c
			}
		}
	}
	return out
}

// mapChanges names the keys added, removed or changed; withValues shows
// the values of changed keys.
func mapChanges(what string, prev, cur map[string]any, withValues bool) []string {
	var items []string
	for _, k := range sortedKeys(union(prev, cur)) {
		p, inPrev := prev[k]
		c, inCur := cur[k]
		switch {
		case !inPrev:
			items = append(items, fmt.Sprintf("%s %s added", what, k))
		case !inCur:
			items = append(items, fmt.Sprintf("%s %s removed", what, k))
		case !same(p, c) && withValues:
			items = append(items, fmt.Sprintf("%s %s: %s → %s", what, k, short(p), short(c)))
		case !same(p, c):
			items = append(items, fmt.Sprintf("%s %s changed", what, k))
		}
	}
	return items
}

func ownerChanges(prev, cur any) []string {
	name := func(o any) string {
		m := asMap(o)
		return fmt.Sprintf("%v/%v", m["kind"], m["name"])
	}
	p, c := map[string]any{}, map[string]any{}
	for _, o := range asList(prev) {
		p[name(o)] = o
	}
	for _, o := range asList(cur) {
		c[name(o)] = o
	}
	return mapChanges("owner", p, c, false)
}

func listSet(v any) map[string]any {
	out := map[string]any{}
	for _, x := range asList(v) {
		out[fmt.Sprint(x)] = true
	}
	return out
}

// leafChanges lists the changed leaves under path: "spec.strategy.type:
// Recreate → RollingUpdate"; list items by name where they have one.
func leafChanges(path string, prev, cur any) []string {
	if same(prev, cur) {
		return nil
	}
	pm, pok := prev.(map[string]any)
	cm, cok := cur.(map[string]any)
	if pok && cok {
		var items []string
		for _, k := range sortedKeys(union(pm, cm)) {
			items = append(items, leafChanges(path+"."+k, pm[k], cm[k])...)
		}
		return items
	}
	pl, plok := prev.([]any)
	cl, clok := cur.([]any)
	if plok && clok {
		if pn, cn := byName(pl), byName(cl); pn != nil && cn != nil {
			var items []string
			for _, k := range sortedKeys(union(pn, cn)) {
				items = append(items, leafChanges(path+"["+k+"]", pn[k], cn[k])...)
			}
			return items
		}
	}
	switch {
	case prev == nil:
		return []string{path + " added"}
	case cur == nil:
		return []string{path + " removed"}
	}
	if isScalar(prev) && isScalar(cur) {
		return []string{fmt.Sprintf("%s: %s → %s", path, short(prev), short(cur))}
	}
	return []string{path + " changed"}
}

// byName indexes a list whose every item has a name, else nil.
func byName(list []any) map[string]any {
	out := map[string]any{}
	for _, x := range list {
		name, ok := asMap(x)["name"].(string)
		if !ok {
			return nil
		}
		out[name] = x
	}
	return out
}

// changedManager is the manager of the managedFields entry that cur has
// and prev had otherwise (a new time or new fields).
func changedManager(prev any, cur map[string]any) string {
	before := map[string]string{}
	for _, e := range asList(prev) {
		m := asMap(e)
		b, _ := json.Marshal(m)
		before[fmt.Sprint(m["manager"], m["operation"], m["subresource"])] = string(b)
	}
	for _, e := range asList(asMap(cur["metadata"])["managedFields"]) {
		m := asMap(e)
		b, _ := json.Marshal(m)
		if before[fmt.Sprint(m["manager"], m["operation"], m["subresource"])] != string(b) {
			s, _ := m["manager"].(string)
			return s
		}
	}
	return ""
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool, int64, int, json.Number:
		return true
	}
	return false
}

// short is a value as a line shows it: long ones elided.
func short(v any) string {
	if v == nil {
		return "none"
	}
	s := fmt.Sprint(v)
	if b, err := json.Marshal(v); err == nil && !isScalar(v) {
		s = string(b)
	}
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

func same(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }

func union(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
