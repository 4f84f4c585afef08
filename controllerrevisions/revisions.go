package controllerrevisions

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Of lists the revisions of one workload from its states in log order (a
// StatefulSet or a DaemonSet each; others are skipped). The last state
// owns them.
func Of(states []events.Object) ([]*appsv1.ControllerRevision, error) {
	type rev struct {
		cr  *appsv1.ControllerRevision
		num int64
	}
	byHash := map[string]*rev{}
	var order []string
	var next int64
	var owner events.Object
	for _, s := range states {
		tmpl, collisions, _, ok := templateOf(s)
		if !ok {
			continue
		}
		owner = s
		hash := workload.TemplateHash(tmpl, collisions)
		if r, seen := byHash[hash]; seen {
			if order[len(order)-1] == hash {
				continue // the same template: no new revision
			}
			next++
			r.num = next
			order = append(order, hash)
			continue
		}
		data, err := patchOf(s)
		if err != nil {
			return nil, err
		}
		next++
		cr := &appsv1.ControllerRevision{
			TypeMeta: metav1.TypeMeta{Kind: "ControllerRevision", APIVersion: "apps/v1"},
			ObjectMeta: metav1.ObjectMeta{Name: s.GetName() + "-" + hash, Namespace: s.GetNamespace(),
				Labels: map[string]string{appsv1.ControllerRevisionHashLabelKey: hash}, CreationTimestamp: timeOf(s)},
			Data: runtime.RawExtension{Raw: data},
		}
		if sel := selectorOf(s); sel != nil {
			maps.Copy(cr.Labels, sel.MatchLabels)
		}
		byHash[hash] = &rev{cr: cr, num: next}
		order = append(order, hash)
	}
	if owner == nil {
		return nil, nil
	}
	_, _, gvk, _ := templateOf(owner)
	ctrl := true
	out := make([]*appsv1.ControllerRevision, 0, len(byHash))
	for _, h := range order {
		r := byHash[h]
		if r.cr.Revision != 0 {
			continue // listed once, at its newest number
		}
		r.cr.Revision = r.num
		r.cr.OwnerReferences = []metav1.OwnerReference{{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind,
			Name: owner.GetName(), UID: owner.GetUID(), Controller: &ctrl, BlockOwnerDeletion: &ctrl}}
		out = append(out, r.cr)
	}
	return out, nil
}

func templateOf(o events.Object) (*corev1.PodTemplateSpec, *int32, schema.GroupVersionKind, bool) {
	switch w := o.(type) {
	case *appsv1.StatefulSet:
		return &w.Spec.Template, w.Status.CollisionCount, appsv1.SchemeGroupVersion.WithKind("StatefulSet"), true
	case *appsv1.DaemonSet:
		return &w.Spec.Template, w.Status.CollisionCount, appsv1.SchemeGroupVersion.WithKind("DaemonSet"), true
	}
	return nil, nil, schema.GroupVersionKind{}, false
}

func selectorOf(o events.Object) *metav1.LabelSelector {
	switch w := o.(type) {
	case *appsv1.StatefulSet:
		return w.Spec.Selector
	case *appsv1.DaemonSet:
		return w.Spec.Selector
	}
	return nil
}

func timeOf(o events.Object) metav1.Time { return o.GetCreationTimestamp() }

// patchOf is the revision's data as Kubernetes' controllers write it and
// kubectl rollout undo applies it: {"spec":{"template":{..., "$patch":
// "replace"}}}, from the object's own JSON, so that kubectl finds the
// revision a workload is at byte for byte.
func patchOf(o events.Object) ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	spec, _ := raw["spec"].(map[string]any)
	tmpl, ok := spec["template"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no template", o.GetName())
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}
