package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jetplane/jetplane/authz"
	"github.com/jetplane/jetplane/events"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// isApply tells a server-side apply request.
func isApply(r *http.Request) bool {
	return r.Method == http.MethodPatch && types.PatchType(mediaType(r)) == types.ApplyYAMLPatchType
}

// apply serves a server-side apply (PATCH application/apply-patch+yaml):
// the request's field manager merges the applied configuration into the
// live object — or into a new one, when there is none: apply creates — and
// owns what it applied; a field another manager owns with another value is
// a 409 naming both, unless force=true takes it over. The result goes the
// way of every create or update (defaults, validation, admission, CAS).
func (s *Server) apply(w http.ResponseWriter, r *http.Request, t target, body []byte) {
	applied, err := appliedConfig(r, t, body)
	if err != nil {
		writeError(w, err)
		return
	}
	fm, err := s.fields.of(t.res, t.subresource)
	if err != nil {
		writeError(w, err)
		return
	}
	manager, force := r.URL.Query().Get("fieldManager"), r.URL.Query().Get("force") == "true"
	var stored events.Object
	created := false
	err = s.retryConflicts(r.Context(), func() error {
		cur := s.proj.State().Live(t.res.Name, t.namespace, t.name)
		live := t.res.New()
		if cur == nil && t.subresource != "" {
			return apierrors.NewNotFound(t.res.GroupResource(), t.name)
		}
		if cur != nil {
			if live, err = s.opened(r.Context(), copyOf(t.res, cur.Object)); err != nil {
				return err
			}
		}
		t.res.SetTypeMeta(live)
		if cur == nil {
			// An apply that creates needs the right to create, as in
			// kube-apiserver: patch alone makes nothing new.
			if err := s.authorizeAs(r, authz.Attributes{Verb: "create", APIGroup: t.res.Group, Resource: t.res.Plural(),
				Namespace: t.namespace, Name: t.name, ResourceRequest: true}); err != nil {
				return err
			}
		}
		out, err := fm.Apply(live, applied.DeepCopy(), manager, force)
		if err != nil {
			var status apierrors.APIStatus
			if errors.As(err, &status) {
				return err // a conflict: kube-apiserver's 409
			}
			return apierrors.NewBadRequest(fmt.Sprintf("apply: %v", err))
		}
		next, err := typed(t.res, out)
		if err != nil {
			return err
		}
		if cur == nil {
			if next, err = s.prepareNew(r, t, next); err != nil {
				return err
			}
			created = true
			stored, err = s.createPrepared(r, t, next)
			return err
		}
		created = false
		stored, err = s.commit(r, t, cur, next)
		return err
	})
	if err == nil && created {
		addWarnings(w, t.res, stored)
		writeObject(w, r, http.StatusCreated, t.res, stored)
		return
	}
	answerUpdate(w, r, t, stored, err)
}

// appliedConfig reads an apply body (YAML or JSON) as the object it
// describes, checked against the request: a fieldManager is required,
// the kind and name must be the URL's.
func appliedConfig(r *http.Request, t target, body []byte) (*unstructured.Unstructured, error) {
	if r.URL.Query().Get("fieldManager") == "" {
		return nil, apierrors.NewBadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
	}
	if err := validFieldManager(r); err != nil {
		return nil, err
	}
	data, err := yaml.YAMLToJSON(body)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
	}
	applied := &unstructured.Unstructured{}
	if err := json.Unmarshal(data, &applied.Object); err != nil || applied.Object == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body of an apply patch must be an object: %v", err))
	}
	if gv := t.res.GroupVersion(); applied.GetAPIVersion() != gv || applied.GetKind() != t.res.Kind {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the apiVersion and kind of the applied object (%s, %s) must be %s, %s",
			applied.GetAPIVersion(), applied.GetKind(), gv, t.res.Kind))
	}
	if applied.GetName() != t.name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"the name of the object (%s) does not match the name on the URL (%s)", applied.GetName(), t.name))
	}
	if ns := applied.GetNamespace(); ns != "" && ns != t.namespace {
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"the namespace of the object (%s) does not match the namespace on the request (%s)", ns, t.namespace))
	}
	if len(applied.GetManagedFields()) > 0 {
		return nil, apierrors.NewBadRequest("metadata.managedFields must be nil in an apply patch")
	}
	return applied, nil
}

// typed is the field manager's result as the resource's Go type.
func typed(res events.Resource, obj runtime.Object) (events.Object, error) {
	u, isU := obj.(*unstructured.Unstructured)
	if o, ok := obj.(events.Object); ok && (!isU || res.Custom) {
		return o, nil // custom objects stay unstructured
	}
	if !isU {
		return nil, fmt.Errorf("apply produced a %T", obj)
	}
	out := res.New()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the applied object does not fit %s: %v", res.Kind, err))
	}
	res.SetTypeMeta(out)
	return out, nil
}
