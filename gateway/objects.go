package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/jetplane/jetplane/events"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxBody bounds request bodies (Kubernetes allows about 3 MiB objects).
const maxBody = 3 << 20

func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("read body: %v", err))
	}
	if len(data) > maxBody {
		return nil, apierrors.NewRequestEntityTooLargeError("limit is 3145728")
	}
	return data, nil
}

// decodeObject reads a request's JSON into a new object of res after
// checking that the apiVersion and kind it declares (if any) are the
// resource's; unknown fields are handled as the request's fieldValidation says.
func decodeObject(r *http.Request, res events.Resource, data []byte) (events.Object, error) {
	data, err := bodyAsJSON(r, res, data)
	if err != nil {
		return nil, err
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(data, &tm); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body of the request was in an unknown format: %v", err))
	}
	if tm.APIVersion != "" && tm.APIVersion != res.GroupVersion() {
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"the API version in the data (%s) does not match the expected API version (%s)", tm.APIVersion, res.GroupVersion()))
	}
	if tm.Kind != "" && tm.Kind != res.Kind {
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"the kind in the data (%s) does not match the expected kind (%s)", tm.Kind, res.Kind))
	}
	obj := res.New()
	if err := unmarshalValidated(r, res, data, obj); err != nil {
		return nil, err
	}
	res.SetTypeMeta(obj)
	return obj, nil
}

// toMap and fromMap move objects through generic JSON so that spec and
// status can be handled the same way for every kind.
func toMap(obj events.Object) (map[string]any, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", obj.GetName(), err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", obj.GetName(), err)
	}
	return m, nil
}

func fromMap(res events.Resource, m map[string]any) (events.Object, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", res.Kind, err)
	}
	obj := res.New()
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", res.Kind, err)
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
