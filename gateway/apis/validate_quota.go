package apis

import (
	"fmt"
	"sort"
	"strings"

	"github.com/jetplane/jetplane/quota"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kubernetes' messages for resource names a quota or a range does not know.
const (
	invalidQuotaResource = "must be a standard resource for quota"
	invalidLimitResource = "must be a standard resource type or fully qualified"
)

var limitTypes = []corev1.LimitType{corev1.LimitTypePod, corev1.LimitTypeContainer, corev1.LimitTypePersistentVolumeClaim}

// validateResourceQuota checks a quota's hard and used lists: known names,
// non-negative quantities, whole numbers for counts.
func validateResourceQuota(q *corev1.ResourceQuota) field.ErrorList {
	errs := validateQuotaList(q.Spec.Hard, field.NewPath("spec", "hard"))
	errs = append(errs, validateQuotaList(q.Status.Hard, field.NewPath("status", "hard"))...)
	errs = append(errs, validateQuotaList(q.Status.Used, field.NewPath("status", "used"))...)
	for i, s := range q.Spec.Scopes {
		switch s {
		case corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeBestEffort,
			corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		default:
			errs = append(errs, field.Invalid(field.NewPath("spec", "scopes").Index(i), s, "unsupported scope"))
		}
	}
	return errs
}

func validateQuotaList(list corev1.ResourceList, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for name, q := range list {
		p := path.Key(string(name))
		errs = append(errs, validateResourceName(name, p)...)
		if !strings.Contains(string(name), "/") || strings.HasPrefix(string(name), "count/") {
			if !quota.IsStandardName(name) {
				errs = append(errs, field.Invalid(p, name, invalidQuotaResource))
			}
		}
		errs = append(errs, nonNegativeQuantity(q, p)...)
		if quota.IsIntegerName(name) && q.MilliValue()%1000 != 0 {
			errs = append(errs, field.Invalid(p, q.String(), "must be an integer"))
		}
	}
	return errs
}

// validateResourceName is Kubernetes' rule for any resource name: a
// qualified name.
func validateResourceName(name corev1.ResourceName, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(string(name)) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}

// validateLimitRange checks each item: a known type, known resource names,
// non-negative quantities, and min <= defaultRequest <= default <= max.
func validateLimitRange(lr *corev1.LimitRange) field.ErrorList {
	var errs field.ErrorList
	for i, item := range lr.Spec.Limits {
		p := field.NewPath("spec", "limits").Index(i)
		errs = append(errs, oneOf(item.Type, limitTypes, p.Child("type"))...)
		if item.Type == corev1.LimitTypePod {
			if len(item.Default) > 0 {
				errs = append(errs, field.Forbidden(p.Child("default"), "may not be specified when `type` is 'Pod'"))
			}
			if len(item.DefaultRequest) > 0 {
				errs = append(errs, field.Forbidden(p.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
			}
		}
		for _, l := range []struct {
			name string
			list corev1.ResourceList
		}{{"max", item.Max}, {"min", item.Min}, {"default", item.Default}, {"defaultRequest", item.DefaultRequest},
			{"maxLimitRequestRatio", item.MaxLimitRequestRatio}} {
			for name, q := range l.list {
				kp := p.Child(l.name).Key(string(name))
				errs = append(errs, validateResourceName(name, kp)...)
				if !strings.Contains(string(name), "/") && !limitResource(name) {
					errs = append(errs, field.Invalid(kp, name, invalidLimitResource))
				}
				errs = append(errs, nonNegativeQuantity(q, kp)...)
			}
		}
		errs = append(errs, limitOrder(item, p)...)
	}
	return errs
}

func limitResource(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourceStorage:
		return true
	}
	return strings.HasPrefix(string(name), "hugepages-")
}

// limitOrder is Kubernetes' ordering of a range's values per resource.
func limitOrder(item corev1.LimitRangeItem, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	check := func(lo, hi corev1.ResourceList, name corev1.ResourceName, path *field.Path, msg string) {
		l, okL := lo[name]
		h, okH := hi[name]
		if okL && okH && l.Cmp(h) > 0 {
			errs = append(errs, field.Invalid(path, l.String(), fmt.Sprintf(msg, l.String(), h.String())))
		}
	}
	for _, name := range allNames(item) {
		key := string(name)
		check(item.Min, item.Max, name, p.Child("min").Key(key), "min value %s is greater than max value %s")
		check(item.Min, item.DefaultRequest, name, p.Child("defaultRequest").Key(key), "min value %s is greater than default request value %s")
		check(item.DefaultRequest, item.Max, name, p.Child("defaultRequest").Key(key), "default request value %s is greater than max value %s")
		check(item.DefaultRequest, item.Default, name, p.Child("defaultRequest").Key(key), "default request value %s is greater than default limit value %s")
		check(item.Min, item.Default, name, p.Child("default").Key(key), "min value %s is greater than default value %s")
		check(item.Default, item.Max, name, p.Child("default").Key(key), "default value %s is greater than max value %s")
		if r, ok := item.MaxLimitRequestRatio[name]; ok && r.Cmp(resource.MustParse("1")) < 0 {
			errs = append(errs, field.Invalid(p.Child("maxLimitRequestRatio").Key(key), r.String(),
				fmt.Sprintf("ratio %s is less than 1", r.String())))
		}
	}
	return errs
}

// allNames are the resources an item names, sorted so that errors come in
// a stable order.
func allNames(item corev1.LimitRangeItem) []corev1.ResourceName {
	seen := map[corev1.ResourceName]bool{}
	var out []corev1.ResourceName
	for _, l := range []corev1.ResourceList{item.Max, item.Min, item.Default, item.DefaultRequest, item.MaxLimitRequestRatio} {
		for name := range l {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
