package quota

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ErrQuota marks a refusal by a quota; the gateway answers it as a 403.
var ErrQuota = errors.New("quota")

// refusal is an admission refusal: its message is Kubernetes' alone, and
// it matches its plugin's sentinel with errors.Is.
type refusal struct {
	plugin error
	msg    string
}

func (e *refusal) Error() string        { return e.msg }
func (e *refusal) Is(target error) bool { return target == e.plugin }

func refuse(plugin error, format string, args ...any) error {
	return &refusal{plugin: plugin, msg: fmt.Sprintf(format, args...)}
}

// Namespace is a quota with the objects of its namespace, the current
// object excluded (on an update, old is passed to Admit instead).
type Namespace struct {
	Quota   *corev1.ResourceQuota
	Objects []Object
}

// Admit decides whether obj fits every quota of its namespace. old is the
// stored object on an update, nil on a create: an update is charged only
// what it adds. The first refusal is returned, in Kubernetes' words.
func Admit(quotas []Namespace, old *Object, obj Object) error {
	sort.Slice(quotas, func(i, j int) bool { return quotas[i].Quota.Name < quotas[j].Quota.Name })
	for _, n := range quotas {
		if err := admitOne(n, old, obj); err != nil {
			return err
		}
	}
	return nil
}

// Charged is the usage obj adds to q's tracked names, none when q's
// scopes exclude it: a quota an object charges nothing need not be
// serialised with it.
func Charged(q *corev1.ResourceQuota, old *Object, obj Object) corev1.ResourceList {
	if !matchesScopes(q, obj) {
		return corev1.ResourceList{}
	}
	requested := mask(Usage(obj), q.Spec.Hard)
	if old != nil && matchesScopes(q, *old) {
		requested = subtractNonNegative(requested, Usage(*old))
	}
	if isZero(requested) {
		return corev1.ResourceList{}
	}
	return requested
}

func admitOne(n Namespace, old *Object, obj Object) error {
	q := n.Quota
	if !matchesScopes(q, obj) {
		return nil
	}
	// The containers' stated resources are checked before counting: a
	// quota on limits.cpu alone must refuse a pod that states none.
	if pod, ok := obj.Object.(*corev1.Pod); ok && old == nil {
		if err := constraints(pod, q.Spec.Hard); err != nil {
			return refuse(ErrQuota, "failed quota: %s: %v", q.Name, err)
		}
	}
	requested := Charged(q, old, obj)
	if len(requested) == 0 {
		return nil
	}
	used := Used(q, n.Objects)
	var exceeded []corev1.ResourceName
	for name, req := range requested {
		total := used[name].DeepCopy()
		total.Add(req)
		if hard := q.Spec.Hard[name]; total.Cmp(hard) > 0 {
			exceeded = append(exceeded, name)
		}
	}
	if len(exceeded) == 0 {
		return nil
	}
	return refuse(ErrQuota, "exceeded quota: %s, requested: %s, used: %s, limited: %s", q.Name,
		pretty(requested, exceeded), pretty(used, exceeded), pretty(q.Spec.Hard, exceeded))
}

// computeNames are the quota names every container must state once a
// quota tracks them: Kubernetes' backward-compatible rule for cpu and
// memory, which couples counting to validation.
var computeNames = map[corev1.ResourceName]struct {
	limit bool
	name  corev1.ResourceName
}{
	corev1.ResourceCPU:                      {false, corev1.ResourceCPU},
	corev1.ResourceMemory:                   {false, corev1.ResourceMemory},
	corev1.ResourceRequestsCPU:              {false, corev1.ResourceCPU},
	corev1.ResourceRequestsMemory:           {false, corev1.ResourceMemory},
	corev1.ResourceLimitsCPU:                {true, corev1.ResourceCPU},
	corev1.ResourceLimitsMemory:             {true, corev1.ResourceMemory},
	corev1.ResourceEphemeralStorage:         {false, corev1.ResourceEphemeralStorage},
	corev1.ResourceRequestsEphemeralStorage: {false, corev1.ResourceEphemeralStorage},
	corev1.ResourceLimitsEphemeralStorage:   {true, corev1.ResourceEphemeralStorage},
}

// constraints is "must specify limits.cpu for: c; requests.memory for:
// a,b" for the tracked names some container leaves out.
func constraints(pod *corev1.Pod, hard corev1.ResourceList) error {
	missing := map[corev1.ResourceName][]string{}
	for _, cs := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for _, c := range cs {
			for name := range hard {
				want, ok := computeNames[name]
				if !ok {
					continue
				}
				list := c.Resources.Requests
				if want.limit {
					list = c.Resources.Limits
				}
				if _, ok := list[want.name]; !ok {
					missing[name] = append(missing[name], c.Name)
				}
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var parts []string
	for _, name := range sortedNames(missing) {
		names := missing[name]
		sort.Strings(names)
		parts = append(parts, fmt.Sprintf("%s for: %s", name, strings.Join(names, ",")))
	}
	return fmt.Errorf("must specify %s", strings.Join(parts, "; "))
}

func sortedNames[V any](m map[corev1.ResourceName]V) []corev1.ResourceName {
	out := make([]corev1.ResourceName, 0, len(m))
	for name := range m {
		out = append(out, name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// mask keeps the names of list that keep names.
func mask(list, keep corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range list {
		if _, ok := keep[name]; ok {
			out[name] = q
		}
	}
	return out
}

func subtractNonNegative(a, b corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range a {
		d := q.DeepCopy()
		if prev, ok := b[name]; ok {
			d.Sub(prev)
		}
		if d.Sign() < 0 {
			d = *resource.NewQuantity(0, resource.DecimalSI)
		}
		out[name] = d
	}
	return out
}

func isZero(list corev1.ResourceList) bool {
	for _, q := range list {
		if !q.IsZero() {
			return false
		}
	}
	return true
}

// pretty prints "pods=1,requests.cpu=500m" for names, sorted, as
// Kubernetes' quota messages do.
func pretty(list corev1.ResourceList, names []corev1.ResourceName) string {
	sorted := append([]corev1.ResourceName(nil), names...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	parts := make([]string, 0, len(sorted))
	for _, name := range sorted {
		q := list[name]
		parts = append(parts, fmt.Sprintf("%s=%s", name, q.String()))
	}
	return strings.Join(parts, ",")
}
