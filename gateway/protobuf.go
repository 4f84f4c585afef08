package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/jetplane/jetplane/events"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// protobufMediaType is the wire format typed Kubernetes clients (kubectl
// create deployment, create job...) send built-in kinds in.
const protobufMediaType = "application/vnd.kubernetes.protobuf"

// protobufSerializer knows every registered kind, so that a protobuf body
// decodes into the resource's own type.
var protobufSerializer = func() *protobuf.Serializer {
	scheme := runtime.NewScheme()
	for _, r := range events.Resources() {
		scheme.AddKnownTypes(r.GVK().GroupVersion(), r.New())
	}
	// The reviews (reviews.go) are asked, never stored.
	scheme.AddKnownTypes(authorizationv1.SchemeGroupVersion, &authorizationv1.SelfSubjectAccessReview{},
		&authorizationv1.SelfSubjectRulesReview{}, &authorizationv1.SubjectAccessReview{})
	scheme.AddKnownTypes(authenticationv1.SchemeGroupVersion, &authenticationv1.SelfSubjectReview{})
	return protobuf.NewSerializer(scheme, scheme)
}()

// protobufAsJSON turns a protobuf object of res into the JSON every write
// path reads.
func protobufAsJSON(res events.Resource, data []byte) ([]byte, error) {
	obj, _, err := protobufSerializer.Decode(data, nil, res.New())
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body of the request was in an unknown format: %v", err))
	}
	res.SetTypeMeta(obj)
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", res.Kind, err)
	}
	return out, nil
}

// protobufMagic begins every Kubernetes protobuf body, before the
// runtime.Unknown envelope.
var protobufMagic = []byte{0x6b, 0x38, 0x73, 0x00}

// protobufInto decodes a protobuf body into v, a generated Kubernetes type
// (DeleteOptions and the like, which are not objects of any resource).
func protobufInto(data []byte, v any) error {
	m, ok := v.(interface{ Unmarshal([]byte) error })
	if !ok {
		return fmt.Errorf("%T has no protobuf form", v)
	}
	if !bytes.HasPrefix(data, protobufMagic) {
		return fmt.Errorf("not a Kubernetes protobuf body")
	}
	var u runtime.Unknown
	if err := u.Unmarshal(data[len(protobufMagic):]); err != nil {
		return err
	}
	return m.Unmarshal(u.Raw)
}
