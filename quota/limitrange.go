package quota

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// ErrLimitRange marks a refusal by a LimitRange; the gateway answers it as
// a 403.
var ErrLimitRange = errors.New("limit range")

// DefaultLimitRange fills a range's items as Kubernetes defaults them when
// one is stored: a Container item's default limit falls back to its max,
// its default request to its default limit.
func DefaultLimitRange(lr *corev1.LimitRange) {
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		if item.Type != corev1.LimitTypeContainer {
			continue
		}
		for name, q := range item.Max {
			if _, ok := item.Default[name]; !ok {
				if item.Default == nil {
					item.Default = corev1.ResourceList{}
				}
				item.Default[name] = q.DeepCopy()
			}
		}
		for name, q := range item.Default {
			if _, ok := item.DefaultRequest[name]; !ok {
				if item.DefaultRequest == nil {
					item.DefaultRequest = corev1.ResourceList{}
				}
				item.DefaultRequest[name] = q.DeepCopy()
			}
		}
	}
}

// Default fills each container's unset limits and requests from the
// Container items of ranges, as the LimitRanger plugin does, and reports
// whether it changed anything. A request the range does not default but a
// limit now bounds becomes that limit, as the pod's own defaulting would
// have made it had the limit been there.
func Default(pod *corev1.Pod, ranges []*corev1.LimitRange) bool {
	limits, requests := corev1.ResourceList{}, corev1.ResourceList{}
	for _, lr := range ranges {
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			for name, q := range item.Default {
				limits[name] = q
			}
			for name, q := range item.DefaultRequest {
				requests[name] = q
			}
		}
	}
	changed := false
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			r := &cs[i].Resources
			changed = fill(&r.Limits, limits) || changed
			changed = fill(&r.Requests, requests) || changed
			// A container left with a limit but no request requests its
			// limit, as the pod's own defaulting makes it.
			changed = fill(&r.Requests, r.Limits) || changed
		}
	}
	return changed
}

// fill sets in *list the names of from it lacks.
func fill(list *corev1.ResourceList, from corev1.ResourceList) bool {
	changed := false
	for name, q := range from {
		if _, ok := (*list)[name]; ok {
			continue
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[name] = q.DeepCopy()
		changed = true
	}
	return changed
}

// Check refuses a pod whose containers, or the pod as a whole, fall
// outside min, max or maxLimitRequestRatio of a range, with every
// violation in Kubernetes' words.
func Check(pod *corev1.Pod, ranges []*corev1.LimitRange) error {
	var errs []error
	for _, lr := range ranges {
		for _, item := range lr.Spec.Limits {
			switch item.Type {
			case corev1.LimitTypeContainer:
				for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
					for _, c := range cs {
						errs = append(errs, checkItem(item, "Container", c.Resources.Requests, c.Resources.Limits)...)
					}
				}
			case corev1.LimitTypePod:
				req := PodRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Requests })
				lim := PodRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Limits })
				errs = append(errs, checkItem(item, "Pod", req, lim)...)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return refuse(ErrLimitRange, "%s", utilerrors.NewAggregate(errs).Error())
}

func checkItem(item corev1.LimitRangeItem, kind string, req, lim corev1.ResourceList) []error {
	var errs []error
	for _, name := range sortedNames(item.Min) {
		errs = appendErr(errs, minConstraint(kind, name, item.Min[name], req, lim))
	}
	for _, name := range sortedNames(item.Max) {
		errs = appendErr(errs, maxConstraint(kind, name, item.Max[name], req, lim))
	}
	for _, name := range sortedNames(item.MaxLimitRequestRatio) {
		errs = appendErr(errs, ratioConstraint(kind, name, item.MaxLimitRequestRatio[name], req, lim))
	}
	return errs
}

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}

func minConstraint(kind string, name corev1.ResourceName, min resource.Quantity, req, lim corev1.ResourceList) error {
	r, hasReq := req[name]
	l, hasLim := lim[name]
	if !hasReq {
		return fmt.Errorf("minimum %s usage per %s is %s.  No request is specified", name, kind, min.String())
	}
	if r.Cmp(min) < 0 {
		return fmt.Errorf("minimum %s usage per %s is %s, but request is %s", name, kind, min.String(), r.String())
	}
	if hasLim && l.Cmp(min) < 0 {
		return fmt.Errorf("minimum %s usage per %s is %s, but limit is %s", name, kind, min.String(), l.String())
	}
	return nil
}

func maxConstraint(kind string, name corev1.ResourceName, max resource.Quantity, req, lim corev1.ResourceList) error {
	r, hasReq := req[name]
	l, hasLim := lim[name]
	if !hasLim {
		return fmt.Errorf("maximum %s usage per %s is %s.  No limit is specified", name, kind, max.String())
	}
	if l.Cmp(max) > 0 {
		return fmt.Errorf("maximum %s usage per %s is %s, but limit is %s", name, kind, max.String(), l.String())
	}
	if hasReq && r.Cmp(max) > 0 {
		return fmt.Errorf("maximum %s usage per %s is %s, but request is %s", name, kind, max.String(), r.String())
	}
	return nil
}

func ratioConstraint(kind string, name corev1.ResourceName, ratio resource.Quantity, req, lim corev1.ResourceList) error {
	r, hasReq := req[name]
	l, hasLim := lim[name]
	if !hasReq || r.IsZero() {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but no request is specified or request is 0", name, kind, ratio.String())
	}
	if !hasLim || l.IsZero() {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but no limit is specified or limit is 0", name, kind, ratio.String())
	}
	observed := float64(l.MilliValue()) / float64(r.MilliValue())
	if observed > ratio.AsApproximateFloat64() {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but provided ratio is %f", name, kind, ratio.String(), observed)
	}
	return nil
}
