package gateway

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	"github.com/jetplane/jetplane/events"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// patch applies a JSON, merge or strategic merge patch to the stored object
// and then goes the way of an update. Without a resourceVersion in the
// patch there is no precondition, so a lost race is retried on the new state.
func (s *Server) patch(w http.ResponseWriter, r *http.Request, t target) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	pt := types.PatchType(mt)
	switch pt {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType, types.ApplyYAMLPatchType:
	default:
		writeError(w, unsupportedMedia(fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s, %s",
			types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType, types.ApplyYAMLPatchType)))
		return
	}
	if pt == types.StrategicMergePatchType && t.res.Custom {
		// A custom kind has no patch strategies, as in Kubernetes.
		writeError(w, unsupportedMedia(fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s",
			types.JSONPatchType, types.MergePatchType, types.ApplyYAMLPatchType)))
		return
	}
	if pt != types.ApplyYAMLPatchType && r.URL.Query().Has("force") {
		writeError(w, apierrors.NewBadRequest("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch"))
		return
	}
	if err := validFieldManager(r); err != nil {
		writeError(w, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if pt == types.ApplyYAMLPatchType {
		s.apply(w, r, t, body)
		return
	}
	var stored events.Object
	err = s.retryConflicts(r.Context(), func() error {
		cur := s.proj.State().Live(t.res.Name, t.namespace, t.name)
		if cur == nil {
			return apierrors.NewNotFound(t.res.GroupResource(), t.name)
		}
		base, err := s.opened(r.Context(), copyOf(t.res, cur.Object))
		if err != nil {
			return err
		}
		original, err := json.Marshal(base)
		if err != nil {
			return fmt.Errorf("encode %s: %w", t.name, err)
		}
		patched, err := applyPatch(t.res, pt, original, body)
		if err != nil {
			return err
		}
		desired, err := decodeObject(r, t.res, patched)
		if err != nil {
			return err
		}
		if err := placeIn(t, desired); err != nil {
			return err
		}
		if desired.GetName() != t.name {
			return apierrors.NewBadRequest("a patch may not change metadata.name")
		}
		stored, err = s.commit(r, t, cur, desired)
		return err
	})
	answerUpdate(w, r, t, stored, err)
}

// applyPatch computes the patched JSON document.
func applyPatch(res events.Resource, pt types.PatchType, original, patch []byte) ([]byte, error) {
	var out []byte
	var err error
	switch pt {
	case types.JSONPatchType:
		var ops jsonpatch.Patch
		if ops, err = jsonpatch.DecodePatch(patch); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid JSON patch: %v", err))
		}
		out, err = ops.Apply(original)
	case types.MergePatchType:
		out, err = jsonpatch.MergePatch(original, patch)
	case types.StrategicMergePatchType:
		out, err = strategicpatch.StrategicMergePatch(original, patch, res.New())
	}
	if err != nil {
		return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "patch", res.GroupResource(), "",
			fmt.Sprintf("the patch could not be applied: %v", err), 0, false)
	}
	return out, nil
}

func unsupportedMedia(msg string) error {
	err := apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", schema.GroupResource{}, "", msg, 0, false)
	err.ErrStatus.Message = msg
	return err
}
