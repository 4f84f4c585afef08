package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"

	"github.com/jetplane/jetplane/podsecurity"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// admitNamespacePodSecurity is the plugin's namespace half: a namespace is
// created only with readable policy labels, and updated only to readable
// ones (unless they were already unreadable in the same way); a stricter
// enforce level warns about the namespace's pods that violate it.
func (s *Server) admitNamespacePodSecurity(r *http.Request, ns *corev1.Namespace, old *corev1.Namespace) error {
	policy, errs := podsecurity.PolicyOf(ns.Labels)
	var oldPolicy podsecurity.Policy
	var oldErrs []error
	if old != nil {
		oldPolicy, oldErrs = podsecurity.PolicyOf(old.Labels)
	}
	if len(errs) > 0 && (old == nil || len(oldErrs) == 0 || !reflect.DeepEqual(errs, oldErrs)) {
		var list field.ErrorList
		for _, err := range errs {
			var le *podsecurity.LabelError
			if errors.As(err, &le) {
				list = append(list, field.Invalid(field.NewPath("metadata", "labels").Key(le.Label), le.Value, le.Err.Error()))
			}
		}
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Namespace").GroupKind(), ns.Name, list)
	}
	if old == nil || policy.Enforce == oldPolicy.Enforce || policy.Enforce.Level == podsecurity.Privileged {
		return nil
	}
	if policy.Enforce.Version == oldPolicy.Enforce.Version && !stricter(policy.Enforce.Level, oldPolicy.Enforce.Level) {
		return nil
	}
	for _, w := range s.violatingPods(ns.Name, policy.Enforce) {
		warn(r.Context(), w)
	}
	return nil
}

// stricter is whether level a is stricter than b.
func stricter(a, b podsecurity.Level) bool {
	rank := func(l podsecurity.Level) int {
		return slices.Index([]podsecurity.Level{podsecurity.Privileged, podsecurity.Baseline, podsecurity.Restricted}, l)
	}
	return rank(a) > rank(b)
}

// violatingPods are the plugin's warnings about a namespace's live pods
// under a new enforce level: one line naming it, then one per distinct set
// of reasons with the lexically first pod and how many others share it.
// Every pod is checked (kube-apiserver stops at 3000 or a timeout; the
// projection answers from memory).
func (s *Server) violatingPods(namespace string, enforce podsecurity.LevelVersion) []string {
	type seen struct {
		first string
		n     int
	}
	byReasons := map[string]*seen{}
	var reasons []string
	for _, e := range s.proj.State().List("pods", namespace, nil) {
		pod, ok := e.Object.(*corev1.Pod)
		if !ok {
			continue
		}
		vs := podsecurity.Evaluate(enforce, &pod.ObjectMeta, &pod.Spec)
		if len(vs) == 0 {
			continue
		}
		key := podsecurity.Reasons(vs)
		c, ok := byReasons[key]
		if !ok {
			c = &seen{first: pod.Name}
			byReasons[key] = c
			reasons = append(reasons, key)
		}
		c.first = min(c.first, pod.Name)
		c.n++
	}
	if len(reasons) == 0 {
		return nil
	}
	lines := make([]string, 0, len(reasons))
	for _, key := range reasons {
		c := byReasons[key]
		switch c.n {
		case 1:
			lines = append(lines, fmt.Sprintf("%s: %s", c.first, key))
		case 2:
			lines = append(lines, fmt.Sprintf("%s (and 1 other pod): %s", c.first, key))
		default:
			lines = append(lines, fmt.Sprintf("%s (and %d other pods): %s", c.first, c.n-1, key))
		}
	}
	slices.Sort(lines)
	head := fmt.Sprintf("existing pods in namespace %q violate the new PodSecurity enforce level %q", namespace, enforce.String())
	return append([]string{head}, lines...)
}
