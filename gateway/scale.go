package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// scalable names the kinds with spec.replicas and a label selector, which
// serve the autoscaling/v1 Scale subresource (kubectl scale uses it).
var scalable = map[string]bool{"deployments": true, "replicasets": true, "statefulsets": true, "replicationcontrollers": true}

// scaleOf reads the Scale view of an object through its JSON, so that any
// scalable kind works the same way.
func scaleOf(obj events.Object) (*autoscalingv1.Scale, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	spec, _ := m["spec"].(map[string]any)
	status, _ := m["status"].(map[string]any)
	sc := &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: metav1.ObjectMeta{Name: obj.GetName(), Namespace: obj.GetNamespace(), UID: obj.GetUID(),
			ResourceVersion: obj.GetResourceVersion(), CreationTimestamp: obj.GetCreationTimestamp()},
	}
	if n, ok := spec["replicas"].(float64); ok {
		sc.Spec.Replicas = int32(n)
	}
	if n, ok := status["replicas"].(float64); ok {
		sc.Status.Replicas = int32(n)
	}
	if raw, ok := spec["selector"]; ok {
		var ls metav1.LabelSelector
		data, _ := json.Marshal(raw)
		if events.DecodeInto(data, &ls) == nil {
			if sel, err := metav1.LabelSelectorAsSelector(&ls); err == nil {
				sc.Status.Selector = sel.String()
			}
		}
	}
	return sc, nil
}

// withReplicas returns a copy of obj with spec.replicas set.
func withReplicas(res events.Resource, obj events.Object, replicas int32) (events.Object, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	spec, _ := m["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
		m["spec"] = spec
	}
	spec["replicas"] = replicas
	return fromMap(res, m)
}

// serveScale handles GET, PUT and PATCH of .../{name}/scale.
func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, t target) {
	var sc *autoscalingv1.Scale
	var err error
	switch r.Method {
	case http.MethodGet:
		cur := s.proj.State().Live(t.res.Name, t.namespace, t.name)
		if cur == nil {
			err = apierrors.NewNotFound(t.res.GroupResource(), t.name)
		} else {
			sc, err = scaleOf(copyOf(t.res, cur.Object))
		}
	case http.MethodPut, http.MethodPatch:
		sc, err = s.writeScale(r, t)
	default:
		err = apierrors.NewMethodNotSupported(t.res.GroupResource(), r.Method)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

// writeScale sets the replica count from a Scale body (PUT) or a patch of
// the current Scale (PATCH), as an update of the main object.
func (s *Server) writeScale(r *http.Request, t target) (*autoscalingv1.Scale, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	main := t
	main.subresource = ""
	var out *autoscalingv1.Scale
	err = s.retryConflicts(r.Context(), func() error {
		cur := s.proj.State().Live(t.res.Name, t.namespace, t.name)
		if cur == nil {
			return apierrors.NewNotFound(t.res.GroupResource(), t.name)
		}
		want, err := desiredScale(r, t, cur, body)
		if err != nil {
			return err
		}
		desired, err := withReplicas(t.res, copyOf(t.res, cur.Object), want.Spec.Replicas)
		if err != nil {
			return err
		}
		desired.SetResourceVersion(want.ResourceVersion)
		stored, err := s.commit(r, main, cur, desired)
		if err != nil {
			return err
		}
		out, err = scaleOf(stored)
		return err
	})
	if errors.Is(err, events.ErrConflict) {
		err = conflict(t.res, t.name)
	}
	return out, err
}

// desiredScale decodes a PUT body or applies a PATCH body to the current Scale.
func desiredScale(r *http.Request, t target, cur *projections.Entry, body []byte) (*autoscalingv1.Scale, error) {
	if r.Method == http.MethodPatch {
		current, err := scaleOf(copyOf(t.res, cur.Object))
		if err != nil {
			return nil, err
		}
		original, err := json.Marshal(current)
		if err != nil {
			return nil, fmt.Errorf("encode scale: %w", err)
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		pt := types.PatchType(mt)
		if pt != types.JSONPatchType && pt != types.MergePatchType && pt != types.StrategicMergePatchType {
			return nil, unsupportedMedia(fmt.Sprintf("unsupported patch type %q for scale", mt))
		}
		scaleRes := events.Resource{Name: t.res.Name + "/scale", New: func() events.Object { return &autoscalingv1.Scale{} }}
		if body, err = applyPatch(scaleRes, pt, original, body); err != nil {
			return nil, err
		}
	}
	var sc autoscalingv1.Scale
	if err := decodeBody(r, body, &sc, decoding{what: "decode Scale"}); err != nil {
		return nil, err
	}
	if sc.Spec.Replicas < 0 {
		return nil, apierrors.NewInvalid(autoscalingv1.SchemeGroupVersion.WithKind("Scale").GroupKind(), t.name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "replicas"), sc.Spec.Replicas, "must be greater than or equal to 0")})
	}
	return &sc, nil
}
