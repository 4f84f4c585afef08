package quota

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

func limitRange(items ...corev1.LimitRangeItem) []*corev1.LimitRange {
	lr := &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: items}}
	DefaultLimitRange(lr)
	return []*corev1.LimitRange{lr}
}

func TestDefault(t *testing.T) {
	for _, tc := range []struct {
		name             string
		item             corev1.LimitRangeItem
		req, lim         corev1.ResourceList
		wantReq, wantLim corev1.ResourceList
		changed          bool
	}{
		{"defaults fill", corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, Default: list("cpu", "500m"), DefaultRequest: list("cpu", "100m")},
			nil, nil, list("cpu", "100m"), list("cpu", "500m"), true},
		{"default request falls back to default", corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, Default: list("memory", "256Mi")},
			nil, nil, list("memory", "256Mi"), list("memory", "256Mi"), true},
		{"default falls back to max", corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, Max: list("cpu", "1")},
			nil, nil, list("cpu", "1"), list("cpu", "1"), true},
		{"stated values kept", corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, Default: list("cpu", "500m"), DefaultRequest: list("cpu", "100m")},
			list("cpu", "200m"), list("cpu", "300m"), list("cpu", "200m"), list("cpu", "300m"), false},
		{"pod items default nothing", corev1.LimitRangeItem{Type: corev1.LimitTypePod, Max: list("cpu", "1")},
			nil, nil, nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pod("p", tc.req, tc.lim).Object.(*corev1.Pod)
			changed := Default(p, limitRange(tc.item))
			r := p.Spec.Containers[0].Resources
			if changed != tc.changed || !equality.Semantic.DeepEqual(r.Requests, tc.wantReq) || !equality.Semantic.DeepEqual(r.Limits, tc.wantLim) {
				t.Fatalf("Default = %v, requests %v limits %v; want %v, %v %v", changed, r.Requests, r.Limits, tc.changed, tc.wantReq, tc.wantLim)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	ctr := corev1.LimitTypeContainer
	for _, tc := range []struct {
		name     string
		item     corev1.LimitRangeItem
		req, lim corev1.ResourceList
		want     string
	}{
		{"within", corev1.LimitRangeItem{Type: ctr, Min: list("cpu", "100m"), Max: list("cpu", "1")}, list("cpu", "200m"), list("cpu", "500m"), ""},
		{"below min", corev1.LimitRangeItem{Type: ctr, Min: list("cpu", "100m")}, list("cpu", "50m"), nil,
			"minimum cpu usage per Container is 100m, but request is 50m"},
		{"no request under min", corev1.LimitRangeItem{Type: ctr, Min: list("memory", "64Mi")}, nil, nil,
			"minimum memory usage per Container is 64Mi.  No request is specified"},
		{"above max", corev1.LimitRangeItem{Type: ctr, Max: list("memory", "1Gi")}, nil, list("memory", "2Gi"),
			"maximum memory usage per Container is 1Gi, but limit is 2Gi"},
		{"ratio", corev1.LimitRangeItem{Type: ctr, MaxLimitRequestRatio: list("cpu", "2")}, list("cpu", "100m"), list("cpu", "500m"),
			"cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000"},
		{"pod max", corev1.LimitRangeItem{Type: corev1.LimitTypePod, Max: list("cpu", "400m")}, list("cpu", "100m"), list("cpu", "500m"),
			"maximum cpu usage per Pod is 400m, but limit is 500m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pod("p", tc.req, tc.lim).Object.(*corev1.Pod)
			err := Check(p, []*corev1.LimitRange{{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{tc.item}}}})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrLimitRange) {
				t.Fatalf("Check = %v, want %q", err, tc.want)
			}
		})
	}
}
