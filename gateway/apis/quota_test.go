package apis

import (
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const tooManyType = field.ErrorTypeTooMany

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func TestValidateQuotaAndLimits(t *testing.T) {
	quota := func(hard corev1.ResourceList) *corev1.ResourceQuota {
		return &corev1.ResourceQuota{ObjectMeta: meta("compute", "default"), Spec: corev1.ResourceQuotaSpec{Hard: hard}}
	}
	limits := func(items ...corev1.LimitRangeItem) *corev1.LimitRange {
		return defaulted("limitranges", &corev1.LimitRange{ObjectMeta: meta("limits", "default"), Spec: corev1.LimitRangeSpec{Limits: items}})
	}
	ctr := corev1.LimitTypeContainer
	tooMany := pod(func(p *corev1.Pod) {
		for i := range MaxContainers {
			c := p.Spec.Containers[0]
			c.Name = c.Name + "-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
			p.Spec.InitContainers = append(p.Spec.InitContainers, c)
		}
	})
	tests := []struct {
		name     string
		resource string
		obj      events.Object
		want     []want
	}{
		{"good quota", "resourcequotas", quota(rl("pods", "10", "requests.cpu", "1", "count/deployments.apps", "2", "example.com/gpu", "1")), nil},
		{"unknown quota name", "resourcequotas", quota(rl("cpus", "1")), []want{{invalid, "spec.hard[cpus]"}}},
		{"negative quota", "resourcequotas", quota(rl("pods", "-1")), []want{{invalid, "spec.hard[pods]"}}},
		{"fractional count", "resourcequotas", quota(rl("pods", "1500m")), []want{{invalid, "spec.hard[pods]"}}},
		{"good limit range", "limitranges", limits(corev1.LimitRangeItem{Type: ctr, Min: rl("cpu", "100m"), Max: rl("cpu", "1"),
			DefaultRequest: rl("cpu", "200m")}), nil},
		{"unknown limit type", "limitranges", limits(corev1.LimitRangeItem{Type: "Node"}), []want{{notSupported, "spec.limits[0].type"}}},
		{"unknown limit resource", "limitranges", limits(corev1.LimitRangeItem{Type: ctr, Max: rl("pods", "1")}),
			// Defaulting copies max into default and defaultRequest, as in Kubernetes.
			[]want{{invalid, "spec.limits[0].max[pods]"}, {invalid, "spec.limits[0].default[pods]"},
				{invalid, "spec.limits[0].defaultRequest[pods]"}}},
		{"min above max", "limitranges", limits(corev1.LimitRangeItem{Type: ctr, Min: rl("cpu", "2"), Max: rl("cpu", "1")}),
			[]want{{invalid, "spec.limits[0].min[cpu]"}, {invalid, "spec.limits[0].defaultRequest[cpu]"},
				{invalid, "spec.limits[0].default[cpu]"}}},
		{"pod type with default", "limitranges", limits(corev1.LimitRangeItem{Type: corev1.LimitTypePod, Default: rl("cpu", "1")}),
			[]want{{forbidden, "spec.limits[0].default"}}},
		{"101 containers", "pods", tooMany, []want{{tooManyType, "spec.containers"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErrors(t, Validate(res(tt.resource), tt.obj, nil), tt.want)
		})
	}
}

func TestQuotaTables(t *testing.T) {
	created := metav1.NewTime(now.Add(-time.Hour))
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "compute", CreationTimestamp: created},
		Status: corev1.ResourceQuotaStatus{Hard: rl("pods", "10", "requests.cpu", "1", "limits.cpu", "2"),
			Used: rl("pods", "1", "requests.cpu", "0", "limits.cpu", "500m")}}
	cells, err := resourceQuotaCells(q, now)
	if err != nil {
		t.Fatal(err)
	}
	if cells[2] != "pods: 1/10, requests.cpu: 0/1" || cells[3] != "limits.cpu: 500m/2" || cells[1] != "60m" {
		t.Errorf("quota cells %q", cells)
	}
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "limits", CreationTimestamp: created}}
	cells, err = limitRangeCells(lr, now)
	if err != nil {
		t.Fatal(err)
	}
	if cells[1] != created.UTC().Format(time.RFC3339) {
		t.Errorf("limit range cells %q", cells)
	}
}
