package gateway

import (
	"crypto"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/gateway/apis"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ServiceAccount tokens: the TokenRequest API (serviceaccounts/{name}/token)
// signs bound tokens with Config.ServiceAccountKey, and the authentication
// chain verifies them against the ServiceAccount's uid in the gateway's
// projection, so that deleting (or re-creating) a ServiceAccount revokes
// every token it was given, as kube-apiserver's service account lookup does.

// DefaultServiceAccountIssuer is the iss claim when Config names none: the
// in-cluster URL of the API most clusters use as --service-account-issuer.
const DefaultServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local"

// serviceAccountIssuer is the iss claim tokens carry and the gateway accepts.
func (c Config) serviceAccountIssuer() string {
	if c.ServiceAccountIssuer != "" {
		return c.ServiceAccountIssuer
	}
	return DefaultServiceAccountIssuer
}

// apiAudiences are the audiences a token must name to be accepted here
// (kube-apiserver's --api-audiences, by default the issuer).
func (c Config) apiAudiences() []string {
	if len(c.APIAudiences) > 0 {
		return c.APIAudiences
	}
	return []string{c.serviceAccountIssuer()}
}

// serviceAccountKeys verify tokens: the signing key's public half and any
// further ones (a rotation's old keys).
func (c Config) serviceAccountKeys() []crypto.PublicKey {
	keys := append([]crypto.PublicKey(nil), c.ServiceAccountPublicKeys...)
	if c.ServiceAccountKey != nil {
		keys = append(keys, c.ServiceAccountKey.Public())
	}
	return keys
}

// serviceAccountUID is the uid of a live ServiceAccount in the gateway's
// projection: the lookup that revokes the tokens of deleted ones.
func (s *Server) serviceAccountUID(namespace, name string) (string, bool) {
	e := s.proj.State().Live("serviceaccounts", namespace, name)
	if e == nil {
		return "", false
	}
	return string(e.Object.GetUID()), true
}

// livePodUID is the uid of a pod that exists and is not being deleted: a
// token bound to it is valid only while it runs (as in Kubernetes).
func (s *Server) livePodUID(namespace, name string) (string, bool) {
	e := s.proj.State().Live("pods", namespace, name)
	if e == nil || e.Object.GetDeletionTimestamp() != nil {
		return "", false
	}
	return string(e.Object.GetUID()), true
}

// serviceAccountToken answers POST .../serviceaccounts/{name}/token with
// the TokenRequest and, in its status, a token signed for the
// ServiceAccount (bound to a pod when the request names one). Nothing is
// stored: a token is valid while it has not expired and its ServiceAccount
// (and pod) is the one it names.
func (s *Server) serviceAccountToken(w http.ResponseWriter, r *http.Request, t target) {
	if s.cfg.ServiceAccountKey == nil {
		// As kube-apiserver without a signing key: no token subresource.
		writeError(w, apierrors.NewNotFound(schema.GroupResource{Resource: "serviceaccounts/token"}, t.name))
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "serviceaccounts/token"}, verbOf(r.Method, t, false)))
		return
	}
	var req authenticationv1.TokenRequest
	if err := readReview(r, &req); err != nil {
		writeError(w, err)
		return
	}
	apis.DefaultTokenRequest(&req.Spec, s.cfg.apiAudiences())
	if errs := apis.ValidateTokenRequest(&req.Spec); len(errs) > 0 {
		writeError(w, apierrors.NewInvalid(schema.GroupKind{Group: authenticationv1.GroupName, Kind: "TokenRequest"}, t.name, errs))
		return
	}
	s.consistentRead(r)
	st := s.proj.State()
	e := st.Live("serviceaccounts", t.namespace, t.name)
	if e == nil {
		writeError(w, apierrors.NewNotFound(t.res.GroupResource(), t.name))
		return
	}
	treq := authn.TokenRequest{Namespace: t.namespace, Name: t.name, UID: string(e.Object.GetUID()),
		Audiences: req.Spec.Audiences, Lifetime: time.Duration(*req.Spec.ExpirationSeconds) * time.Second}
	if ref := req.Spec.BoundObjectRef; ref != nil {
		var pod *corev1.Pod
		if pe := st.Live("pods", t.namespace, ref.Name); pe != nil {
			pod, _ = pe.Object.(*corev1.Pod)
		}
		if err := apis.BoundPod(t.name, ref, pod); err != nil {
			writeError(w, err)
			return
		}
		treq.Pod = &authn.PodRef{Name: pod.Name, UID: string(pod.UID)}
	}
	issuer := authn.Issuer{Issuer: s.cfg.serviceAccountIssuer(), Key: s.cfg.ServiceAccountKey, Now: s.cfg.Now}
	token, expires, err := issuer.Issue(treq)
	if err != nil {
		writeError(w, apierrors.NewInternalError(fmt.Errorf("sign token: %w", err)))
		return
	}
	req.APIVersion, req.Kind = authenticationv1.SchemeGroupVersion.String(), "TokenRequest"
	req.Name, req.Namespace = t.name, t.namespace
	req.Status = authenticationv1.TokenRequestStatus{Token: token, ExpirationTimestamp: metav1.NewTime(expires)}
	writeJSON(w, http.StatusCreated, &req)
}

// issuerDiscovery serves the service account issuer's OpenID configuration
// and keys (RBAC: system:service-account-issuer-discovery, which every
// ServiceAccount has); without ServiceAccount keys there is nothing to
// discover.
func (s *Server) issuerDiscovery(w http.ResponseWriter, r *http.Request) {
	keys := s.cfg.serviceAccountKeys()
	if len(keys) == 0 {
		writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, apierrors.NewMethodNotSupported(schema.GroupResource{}, r.Method))
		return
	}
	set, err := authn.PublicJWKS(keys)
	if err != nil {
		writeError(w, apierrors.NewInternalError(err))
		return
	}
	if r.URL.Path != authn.JWKSPath {
		writeJSON(w, http.StatusOK, authn.Discovery(s.cfg.serviceAccountIssuer(), set))
		return
	}
	data, err := json.Marshal(set)
	if err != nil {
		writeError(w, apierrors.NewInternalError(fmt.Errorf("encode keys: %w", err)))
		return
	}
	// kube-apiserver's media type for the key set.
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(append(data, '\n'))
}
