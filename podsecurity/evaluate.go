package podsecurity

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Violation is one failed check: a short reason and, when there is one,
// the detail naming what set what.
type Violation struct {
	Reason, Detail string
}

// checkFn evaluates a pod at a policy version (the minor of v1.x); nil is a
// pass.
type checkFn func(meta *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation

// check is one of the Pod Security Standards' controls.
type check struct {
	id    string
	level Level
	since int // the first v1.x the check is part of
	// overrides is the baseline check this restricted one replaces.
	overrides string
	fn        checkFn
}

// checks are in the order the plugin reports them: baseline ids sorted,
// then restricted ids sorted (TestCheckOrder keeps it so).
var checks = []check{
	{id: "appArmorProfile", level: Baseline, fn: appArmorProfile},
	{id: "capabilities_baseline", level: Baseline, fn: capabilitiesBaseline},
	{id: "hostNamespaces", level: Baseline, fn: hostNamespaces},
	{id: "hostPathVolumes", level: Baseline, fn: hostPathVolumes},
	{id: "hostPorts", level: Baseline, fn: hostPorts},
	{id: "hostProbesAndHostLifecycle", level: Baseline, since: 34, fn: hostProbesAndLifecycle},
	{id: "privileged", level: Baseline, fn: privileged},
	{id: "procMount", level: Baseline, fn: procMountBaseline},
	{id: "seLinuxOptions", level: Baseline, fn: seLinuxOptions},
	{id: "seccompProfile_baseline", level: Baseline, fn: seccompBaseline},
	{id: "sysctls", level: Baseline, fn: sysctls},
	{id: "windowsHostProcess", level: Baseline, fn: windowsHostProcess},
	{id: "allowPrivilegeEscalation", level: Restricted, since: 8, fn: allowPrivilegeEscalation},
	{id: "capabilities_restricted", level: Restricted, since: 22, overrides: "capabilities_baseline", fn: capabilitiesRestricted},
	{id: "procMount_restricted", level: Restricted, since: 35, overrides: "procMount", fn: procMountRestricted},
	{id: "restrictedVolumes", level: Restricted, fn: restrictedVolumes},
	{id: "runAsNonRoot", level: Restricted, fn: runAsNonRoot},
	{id: "runAsUser", level: Restricted, since: 23, fn: runAsUser},
	{id: "seccompProfile_restricted", level: Restricted, since: 19, overrides: "seccompProfile_baseline", fn: seccompRestricted},
}

// Evaluate checks a pod (its metadata and spec, or a template's) against a
// level at a version; no violations means allowed. Privileged checks nothing.
func Evaluate(lv LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []Violation {
	if lv.Level == Privileged || spec == nil {
		return nil
	}
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	minor := lv.Version.minor()
	applies := func(c check) bool {
		return c.since <= minor && (c.level == Baseline || lv.Level == Restricted)
	}
	overridden := map[string]bool{}
	for _, c := range checks {
		if c.overrides != "" && applies(c) {
			overridden[c.overrides] = true
		}
	}
	var out []Violation
	for _, c := range checks {
		if !applies(c) || overridden[c.id] {
			continue
		}
		if v := c.fn(meta, spec, minor); v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// Detail is the violations as the plugin joins them: "reason (detail),
// reason".
func Detail(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Reason
		if v.Detail != "" {
			parts[i] += " (" + v.Detail + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// Denial is enforce's refusal, the message under `pods "x" is forbidden: `.
func Denial(lv LevelVersion, vs []Violation) string {
	return fmt.Sprintf("violates PodSecurity %q: %s", lv.String(), Detail(vs))
}

// Warning is warn's (and audit's) message.
func Warning(lv LevelVersion, vs []Violation) string {
	return fmt.Sprintf("would violate PodSecurity %q: %s", lv.String(), Detail(vs))
}

// SignificantPodUpdate is whether an update to a pod is checked again: the
// plugin skips updates that change nothing it evaluates — of a pod's spec
// only images and ephemeral containers may change, so metadata, status and
// other mutable fields pass unchecked.
func SignificantPodUpdate(pod, old *corev1.Pod) bool {
	if len(pod.Spec.Containers) != len(old.Spec.Containers) || len(pod.Spec.InitContainers) != len(old.Spec.InitContainers) {
		return true
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Image != old.Spec.Containers[i].Image {
			return true
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Image != old.Spec.InitContainers[i].Image {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		i := slices.IndexFunc(old.Spec.EphemeralContainers, func(o corev1.EphemeralContainer) bool { return o.Name == c.Name })
		if i < 0 || old.Spec.EphemeralContainers[i].Image != c.Image {
			return true
		}
	}
	return false
}

// visitContainers calls fn on every container: init, regular, ephemeral.
func visitContainers(spec *corev1.PodSpec, fn func(*corev1.Container)) {
	for i := range spec.InitContainers {
		fn(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		fn(&spec.Containers[i])
	}
	for i := range spec.EphemeralContainers {
		fn((*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon))
	}
}

// joinQuote is `"a", "b"`.
func joinQuote(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return `"` + strings.Join(items, `", "`) + `"`
}

func plural(singular, pluralForm string, n int) string {
	if n == 1 {
		return singular
	}
	return pluralForm
}

// containersPhrase is `container "a"` or `containers "a", "b"`.
func containersPhrase(names []string) string {
	return plural("container", "containers", len(names)) + " " + joinQuote(names)
}

// setters is who set a bad value: "pod", the containers, joined by " and ".
func setters(pod bool, containers []string, more ...string) string {
	var s []string
	if pod {
		s = append(s, "pod")
	}
	if len(containers) > 0 {
		s = append(s, containersPhrase(containers))
	}
	return strings.Join(append(s, more...), " and ")
}

// sortedSet is a small set listed sorted (the plugin's sets.String).
type sortedSet map[string]bool

func (s sortedSet) list() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// userNamespaced pods (hostUsers: false) are relaxed from v1.35 on for the
// checks whose risk a user namespace removes.
func userNamespaced(spec *corev1.PodSpec, minor int) bool {
	return minor >= 35 && spec.HostUsers != nil && !*spec.HostUsers
}

// windows pods are exempt from the Linux-only restricted checks from v1.25.
func windows(spec *corev1.PodSpec, minor int) bool {
	return minor >= 25 && spec.OS != nil && spec.OS.Name == corev1.Windows
}

func isTrue(b *bool) bool { return b != nil && *b }

// Reasons is the violations' reasons alone, joined: how the plugin names
// what existing pods violate.
func Reasons(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Reason
	}
	return strings.Join(parts, ", ")
}
