package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/sirupsen/logrus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// writeJSON answers with a JSON body. Every answer is JSON, whatever the
// Accept header asks (protobuf included): clients fall back to it.
func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, apierrors.NewInternalError(fmt.Errorf("encode response: %w", err)))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}

// writeError answers with a kind: Status body. Errors that are not API
// errors become 500 Internal Error.
func writeError(w http.ResponseWriter, err error) {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		logrus.WithField("service", "gateway").WithError(err).Error("internal error")
		status = apierrors.NewInternalError(err)
	}
	st := status.Status()
	st.Kind, st.APIVersion = "Status", "v1"
	if st.Status == "" {
		st.Status = metav1.StatusFailure
	}
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	data, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}

// Representations a client may ask for with Accept: ...;as=X;g=meta.k8s.io.
const (
	asObject   = ""
	asTable    = "Table"
	asMetadata = "PartialObjectMetadata" // also PartialObjectMetadataList
)

// representation reads the Accept header: a meta.k8s.io Table (kubectl
// get), partial object metadata (metadata-only clients), or the objects,
// whichever comes first among what Jetplane can answer.
func representation(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || (mt != "application/json" && mt != "*/*" && mt != "application/*") {
			continue
		}
		switch as := params["as"]; {
		case as == "":
			return asObject
		case params["g"] != "meta.k8s.io" || (params["v"] != "" && params["v"] != "v1"):
		case as == asTable:
			return asTable
		case as == asMetadata || as == asMetadata+"List":
			return asMetadata
		}
	}
	return asObject
}

func wantsTable(r *http.Request) bool { return representation(r) == asTable }

// metadataOf is the PartialObjectMetadata of an object.
func metadataOf(obj events.Object) *metav1.PartialObjectMetadata {
	pm := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{Kind: asMetadata, APIVersion: "meta.k8s.io/v1"}}
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		a.GetObjectMeta().(*metav1.ObjectMeta).DeepCopyInto(&pm.ObjectMeta)
	}
	return pm
}

// metadataList is the PartialObjectMetadataList of objects.
func metadataList(objs []events.Object, rv string) *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{Kind: asMetadata + "List", APIVersion: "meta.k8s.io/v1"},
		ListMeta: metav1.ListMeta{ResourceVersion: rv}, Items: make([]metav1.PartialObjectMetadata, len(objs))}
	for i, o := range objs {
		l.Items[i] = *metadataOf(o)
	}
	return l
}

// includePolicy reads includeObject (default Metadata, as Kubernetes).
func includePolicy(r *http.Request) metav1.IncludeObjectPolicy {
	switch p := metav1.IncludeObjectPolicy(r.URL.Query().Get("includeObject")); p {
	case metav1.IncludeNone, metav1.IncludeObject, metav1.IncludeMetadata:
		return p
	}
	return metav1.IncludeMetadata
}

// table renders objects for kubectl get, their ages as of now.
func table(r *http.Request, res events.Resource, objs []events.Object, rv string) (*metav1.Table, error) {
	return tableAt(r, res, objs, rv, time.Now())
}

// tableAt renders objects with their ages as of now.
func tableAt(r *http.Request, res events.Resource, objs []events.Object, rv string, now time.Time) (*metav1.Table, error) {
	t, err := apis.Table(res, objs, includePolicy(r), now)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", res.Name, err)
	}
	t.Kind, t.APIVersion = "Table", "meta.k8s.io/v1"
	if rv != "" {
		t.ResourceVersion = rv
	}
	return t, nil
}

// writeObject answers with one object, as a Table when asked.
func writeObject(w http.ResponseWriter, r *http.Request, code int, res events.Resource, obj events.Object) {
	switch representation(r) {
	case asTable:
		t, err := table(r, res, []events.Object{obj}, obj.GetResourceVersion())
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, code, t)
	case asMetadata:
		writeJSON(w, code, metadataOf(obj))
	default:
		writeJSON(w, code, obj)
	}
}

// copyOf returns a private copy of a stored object with its type set, safe to
// change and to encode.
func copyOf(res events.Resource, obj events.Object) events.Object {
	c := obj.DeepCopyObject().(events.Object)
	res.SetTypeMeta(c)
	return c
}

// listOf builds the resource's List kind holding objs.
func listOf(res events.Resource, objs []events.Object, rv string) (runtime.Object, error) {
	list := res.NewList()
	items := make([]runtime.Object, len(objs))
	for i, o := range objs {
		items[i] = o
	}
	if err := meta.SetList(list, items); err != nil {
		return nil, err
	}
	list.GetObjectKind().SetGroupVersionKind(res.GVK().GroupVersion().WithKind(res.ListKind))
	if la, ok := list.(metav1.ListInterface); ok {
		la.SetResourceVersion(rv)
	}
	return list, nil
}

// addWarnings sets the Warning headers for fields Jetplane does not act on.
func addWarnings(w http.ResponseWriter, res events.Resource, obj events.Object) {
	for _, msg := range apis.Warnings(res, obj) {
		w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
	}
}
