package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/jetplane/jetplane/events"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// maxBody bounds request bodies (Kubernetes allows about 3 MiB objects).
const maxBody = 3 << 20

// readBody reads a request body, bounded. Handlers read it once, before
// any retry, and decode it (or what a patch makes of it) with decodeBody.
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

// decoding says what a request body holds.
type decoding struct {
	// object: the body is an object of this resource, as a write sends
	// it. A protobuf body (Content-Type) is accepted, the apiVersion and
	// kind it declares must be the resource's, and it decodes
	// case-sensitively with the request's fieldValidation, as the
	// Kubernetes API server decodes what it will store.
	object *events.Resource
	// what names any other value (options, requests of Jetplane's own
	// endpoints) in the 400 a malformed body gets. Such bodies are JSON
	// and decode leniently, as encoding/json does: they are never stored.
	what string
	// optional: an empty body leaves the value as it is (a DELETE
	// without DeleteOptions).
	optional bool
}

// decodeBody is the one path from request body data into a value: data
// read by readBody, or the JSON a patch produced from it (a patch request's
// Content-Type is the patch's type, so that JSON is read as JSON).
func decodeBody(r *http.Request, data []byte, v any, d decoding) error {
	if d.optional && len(data) == 0 {
		return nil
	}
	if d.object == nil && mediaType(r) == protobufMediaType {
		// Options (DeleteOptions...) in protobuf, as typed clients send them.
		if err := protobufInto(data, v); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("%s: %v", d.what, err))
		}
		return nil
	}
	data, err := asJSON(r, data, d.object != nil)
	if err != nil {
		return err
	}
	if d.object == nil {
		if err := json.Unmarshal(data, v); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("%s: %v", d.what, err))
		}
		return nil
	}
	res := *d.object
	if mediaType(r) == protobufMediaType {
		if data, err = protobufAsJSON(res, data); err != nil {
			return err
		}
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(data, &tm); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("the body of the request was in an unknown format: %v", err))
	}
	if tm.APIVersion != "" && tm.APIVersion != res.GroupVersion() {
		return apierrors.NewBadRequest(fmt.Sprintf(
			"the API version in the data (%s) does not match the expected API version (%s)", tm.APIVersion, res.GroupVersion()))
	}
	if tm.Kind != "" && tm.Kind != res.Kind {
		return apierrors.NewBadRequest(fmt.Sprintf(
			"the kind in the data (%s) does not match the expected kind (%s)", tm.Kind, res.Kind))
	}
	return unmarshalValidated(r, res, data, v)
}

// decodeObject decodes a written object of res (see decoding.object).
func decodeObject(r *http.Request, res events.Resource, data []byte) (events.Object, error) {
	obj := res.New()
	if err := decodeBody(r, data, obj, decoding{object: &res}); err != nil {
		return nil, err
	}
	res.SetTypeMeta(obj)
	return obj, nil
}

// bodyTypes are the Content-Types a body may have, as kube-apiserver
// accepts them: JSON (also what a patch produced: its request's type is the
// patch's), YAML, and protobuf for objects.
var bodyTypes = map[string]bool{"": true, "application/json": true, "application/yaml": true,
	string(types.JSONPatchType): true, string(types.MergePatchType): true, string(types.StrategicMergePatchType): true,
	string(types.ApplyYAMLPatchType): true}

func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

// asJSON is a body as JSON: YAML is converted, protobuf left to the object
// path; any other type is a 415.
func asJSON(r *http.Request, data []byte, object bool) ([]byte, error) {
	switch mt := mediaType(r); {
	case mt == "application/yaml":
		out, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the body of the request was in an unknown format: %v", err))
		}
		return out, nil
	case mt == protobufMediaType && object, bodyTypes[mt]:
		return data, nil
	default:
		return nil, unsupportedMediaType(r.Header.Get("Content-Type"))
	}
}

// unsupportedMediaType is kube-apiserver's 415 for a body it cannot read.
func unsupportedMediaType(contentType string) error {
	return unsupportedMedia(fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: "+
		"application/json, application/yaml, application/vnd.kubernetes.protobuf (got %q)", contentType))
}
