package gateway

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/authz"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The review resources are questions, not objects: a POST asks, the answer
// comes back in the object's status, and nothing is stored (as in
// kube-apiserver). `kubectl auth can-i` asks SelfSubjectAccessReview (and
// SelfSubjectRulesReview with --list), `kubectl auth whoami` asks
// SelfSubjectReview; SubjectAccessReview asks about someone else.

// reviewGroups are the group/versions the reviews are served at.
var reviewGroups = map[string]bool{"authorization.k8s.io/v1": true, "authentication.k8s.io/v1": true}

// serveReview answers a review POSTed to gv/resource; false when it is none.
func (s *Server) serveReview(w http.ResponseWriter, r *http.Request, gv, resource string) bool {
	answer, ok := map[string]func(*http.Request, authn.User) (runtime.Object, error){
		"authorization.k8s.io/v1/selfsubjectaccessreviews": s.selfSubjectAccessReview,
		"authorization.k8s.io/v1/selfsubjectrulesreviews":  s.selfSubjectRulesReview,
		"authorization.k8s.io/v1/subjectaccessreviews":     s.subjectAccessReview,
		"authentication.k8s.io/v1/selfsubjectreviews":      selfSubjectReview,
	}[gv+"/"+resource]
	if !ok {
		return false
	}
	if r.Method != http.MethodPost {
		writeError(w, apierrors.NewMethodNotSupported(schema.GroupResource{Resource: resource}, r.Method))
		return true
	}
	user, _ := requestUser(r.Context())
	obj, err := answer(r, user)
	if err != nil {
		writeError(w, err)
		return true
	}
	writeJSON(w, http.StatusCreated, obj)
	return true
}

// readReview decodes a review from the body: JSON, or protobuf as typed
// clients (kubectl) send it.
func readReview(r *http.Request, into runtime.Object) error {
	data, err := readBody(r)
	if err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == protobufMediaType {
		if _, _, err := protobufSerializer.Decode(data, nil, into); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("the body of the request was in an unknown format: %v", err))
		}
		return nil
	}
	if err := json.Unmarshal(data, into); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("the body of the request was in an unknown format: %v", err))
	}
	return nil
}

func (s *Server) selfSubjectAccessReview(r *http.Request, user authn.User) (runtime.Object, error) {
	var rev authorizationv1.SelfSubjectAccessReview
	if err := readReview(r, &rev); err != nil {
		return nil, err
	}
	rev.Status = s.accessReview(userInfo(user), rev.Spec.ResourceAttributes, rev.Spec.NonResourceAttributes)
	rev.APIVersion, rev.Kind = "authorization.k8s.io/v1", "SelfSubjectAccessReview"
	return &rev, nil
}

func (s *Server) subjectAccessReview(r *http.Request, _ authn.User) (runtime.Object, error) {
	var rev authorizationv1.SubjectAccessReview
	if err := readReview(r, &rev); err != nil {
		return nil, err
	}
	if rev.Spec.User == "" && len(rev.Spec.Groups) == 0 {
		return nil, apierrors.NewBadRequest("spec.user or spec.groups: at least one is required")
	}
	u := authz.UserInfo{Name: rev.Spec.User, UID: rev.Spec.UID, Groups: rev.Spec.Groups, Extra: map[string][]string{}}
	for k, v := range rev.Spec.Extra {
		u.Extra[k] = v
	}
	rev.Status = s.accessReview(u, rev.Spec.ResourceAttributes, rev.Spec.NonResourceAttributes)
	rev.APIVersion, rev.Kind = "authorization.k8s.io/v1", "SubjectAccessReview"
	return &rev, nil
}

// accessReview decides the question of a review as a request would be.
func (s *Server) accessReview(u authz.UserInfo, res *authorizationv1.ResourceAttributes,
	non *authorizationv1.NonResourceAttributes) authorizationv1.SubjectAccessReviewStatus {
	a := authz.Attributes{User: u}
	switch {
	case res != nil:
		a.ResourceRequest, a.Verb, a.APIGroup, a.Resource = true, res.Verb, res.Group, res.Resource
		a.Subresource, a.Namespace, a.Name = res.Subresource, res.Namespace, res.Name
	case non != nil:
		a.Verb, a.Path = non.Verb, non.Path
	default:
		return authorizationv1.SubjectAccessReviewStatus{
			EvaluationError: "spec.resourceAttributes or spec.nonResourceAttributes: exactly one is required"}
	}
	d := authz.Authorize(s.policy(), a)
	return authorizationv1.SubjectAccessReviewStatus{Allowed: d.Allowed, Reason: d.Reason}
}

func (s *Server) selfSubjectRulesReview(r *http.Request, user authn.User) (runtime.Object, error) {
	var rev authorizationv1.SelfSubjectRulesReview
	if err := readReview(r, &rev); err != nil {
		return nil, err
	}
	if rev.Spec.Namespace == "" {
		return nil, apierrors.NewBadRequest("spec.namespace: Required value: no namespace on request")
	}
	rev.Status = authz.RulesFor(s.policy(), userInfo(user), rev.Spec.Namespace).Status()
	rev.APIVersion, rev.Kind = "authorization.k8s.io/v1", "SelfSubjectRulesReview"
	return &rev, nil
}

func selfSubjectReview(r *http.Request, user authn.User) (runtime.Object, error) {
	var rev authenticationv1.SelfSubjectReview
	if err := readReview(r, &rev); err != nil {
		return nil, err
	}
	rev.Status.UserInfo = authenticationv1.UserInfo{Username: user.Name, UID: user.UID, Groups: user.Groups}
	if len(user.Extra) > 0 {
		rev.Status.UserInfo.Extra = map[string]authenticationv1.ExtraValue{}
		for k, v := range user.Extra {
			rev.Status.UserInfo.Extra[k] = v
		}
	}
	rev.APIVersion, rev.Kind = "authentication.k8s.io/v1", "SelfSubjectReview"
	return &rev, nil
}

func userInfo(u authn.User) authz.UserInfo {
	return authz.UserInfo{Name: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
}
