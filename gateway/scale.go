package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/jetplane/jetplane/customresources"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// scalable names the kinds with spec.replicas and a label selector, which
// serve the autoscaling/v1 Scale subresource (kubectl scale uses it).
var scalable = map[string]bool{"deployments": true, "replicasets": true, "statefulsets": true, "replicationcontrollers": true}

// scalePaths say where a kind keeps what its Scale shows: the built-in
// kinds in spec.replicas, status.replicas and spec.selector (a
// LabelSelector); a custom kind where its definition's scale subresource
// says (its selector a string).
type scalePaths struct {
	spec, status, selector []string
	selectorString         bool
}

var builtInScale = scalePaths{spec: []string{"spec", "replicas"}, status: []string{"status", "replicas"},
	selector: []string{"spec", "selector"}}

func scalePathsOf(res events.Resource) scalePaths {
	d, ok := customresources.Lookup(res.Name)
	if !ok || d.Version.Subresources == nil || d.Version.Subresources.Scale == nil {
		return builtInScale
	}
	sc := d.Version.Subresources.Scale
	p := scalePaths{spec: jsonPath(sc.SpecReplicasPath), status: jsonPath(sc.StatusReplicasPath), selectorString: true}
	if sc.LabelSelectorPath != nil {
		p.selector = jsonPath(*sc.LabelSelectorPath)
	}
	return p
}

// jsonPath splits ".spec.replicas" into its fields.
func jsonPath(p string) []string { return strings.Split(strings.TrimPrefix(p, "."), ".") }

// scaleOf reads the Scale view of an object through its JSON, so that any
// scalable kind works the same way.
func scaleOf(res events.Resource, obj events.Object) (*autoscalingv1.Scale, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	paths := scalePathsOf(res)
	sc := &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: metav1.ObjectMeta{Name: obj.GetName(), Namespace: obj.GetNamespace(), UID: obj.GetUID(),
			ResourceVersion: obj.GetResourceVersion(), CreationTimestamp: obj.GetCreationTimestamp()},
	}
	if n, ok, _ := unstructured.NestedFieldNoCopy(m, paths.spec...); ok {
		if f, isNum := n.(float64); isNum {
			sc.Spec.Replicas = int32(f)
		}
	}
	if n, ok, _ := unstructured.NestedFieldNoCopy(m, paths.status...); ok {
		if f, isNum := n.(float64); isNum {
			sc.Status.Replicas = int32(f)
		}
	}
	if len(paths.selector) == 0 {
		return sc, nil
	}
	raw, ok, _ := unstructured.NestedFieldNoCopy(m, paths.selector...)
	switch {
	case !ok:
	case paths.selectorString:
		sc.Status.Selector, _ = raw.(string)
	default:
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

// withReplicas returns a copy of obj with its replica count set.
func withReplicas(res events.Resource, obj events.Object, replicas int32) (events.Object, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	if err := unstructured.SetNestedField(m, int64(replicas), scalePathsOf(res).spec...); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("scale: %v", err))
	}
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
			sc, err = scaleOf(t.res, copyOf(t.res, cur.Object))
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
		out, err = scaleOf(t.res, stored)
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
		current, err := scaleOf(t.res, copyOf(t.res, cur.Object))
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
