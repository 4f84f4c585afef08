package podsecurity

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The baseline checks: they prevent known privilege escalations while
// letting the default (minimally specified) pod through.

func windowsHostProcess(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	hostProcess := func(sc *corev1.WindowsSecurityContextOptions) bool { return sc != nil && isTrue(sc.HostProcess) }
	pod := spec.SecurityContext != nil && hostProcess(spec.SecurityContext.WindowsOptions)
	var bad []string
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && hostProcess(c.SecurityContext.WindowsOptions) {
			bad = append(bad, c.Name)
		}
	})
	if !pod && len(bad) == 0 {
		return nil
	}
	return &Violation{"hostProcess", setters(pod, bad) + " must not set securityContext.windowsOptions.hostProcess=true"}
}

func hostNamespaces(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	var set []string
	if spec.HostNetwork {
		set = append(set, "hostNetwork=true")
	}
	if spec.HostPID {
		set = append(set, "hostPID=true")
	}
	if spec.HostIPC {
		set = append(set, "hostIPC=true")
	}
	if len(set) == 0 {
		return nil
	}
	return &Violation{"host namespaces", strings.Join(set, ", ")}
}

func privileged(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	var bad []string
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && isTrue(c.SecurityContext.Privileged) {
			bad = append(bad, c.Name)
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{"privileged", containersPhrase(bad) + " must not set securityContext.privileged=true"}
}

// defaultCapabilities are the container runtimes' default set, which
// baseline lets a container add back.
var defaultCapabilities = sortedSet{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true, "FSETID": true,
	"KILL": true, "MKNOD": true, "NET_BIND_SERVICE": true, "SETFCAP": true, "SETGID": true,
	"SETPCAP": true, "SETUID": true, "SYS_CHROOT": true,
}

func capabilitiesBaseline(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	var bad []string
	caps := sortedSet{}
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
			return
		}
		ok := true
		for _, cp := range c.SecurityContext.Capabilities.Add {
			if !defaultCapabilities[string(cp)] {
				ok = false
				caps[string(cp)] = true
			}
		}
		if !ok {
			bad = append(bad, c.Name)
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{"non-default capabilities", fmt.Sprintf("%s must not include %s in securityContext.capabilities.add",
		containersPhrase(bad), joinQuote(caps.list()))}
}

func hostPathVolumes(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	var bad []string
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			bad = append(bad, v.Name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &Violation{"hostPath volumes", plural("volume", "volumes", len(bad)) + " " + joinQuote(bad)}
}

func hostPorts(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	var bad []string
	ports := sortedSet{}
	visitContainers(spec, func(c *corev1.Container) {
		ok := true
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				ok = false
				ports[strconv.Itoa(int(p.HostPort))] = true
			}
		}
		if !ok {
			bad = append(bad, c.Name)
		}
	})
	if len(bad) == 0 {
		return nil
	}
	// The ports sort as strings, as the plugin's do.
	return &Violation{"hostPort", fmt.Sprintf("%s %s %s %s", containersPhrase(bad), plural("uses", "use", len(bad)),
		plural("hostPort", "hostPorts", len(ports)), strings.Join(ports.list(), ", "))}
}

// hostProbesAndLifecycle (v1.34+) forbids probes and lifecycle handlers
// aimed at another host than the pod.
func hostProbesAndLifecycle(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	bad, hosts := sortedSet{}, sortedSet{}
	note := func(c *corev1.Container, http *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction) {
		if http != nil && http.Host != "" {
			bad[c.Name], hosts[http.Host] = true, true
		}
		if tcp != nil && tcp.Host != "" {
			bad[c.Name], hosts[tcp.Host] = true, true
		}
	}
	visitContainers(spec, func(c *corev1.Container) {
		for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
			if p != nil {
				note(c, p.HTTPGet, p.TCPSocket)
			}
		}
		if c.Lifecycle != nil {
			for _, h := range []*corev1.LifecycleHandler{c.Lifecycle.PostStart, c.Lifecycle.PreStop} {
				if h != nil {
					note(c, h.HTTPGet, h.TCPSocket)
				}
			}
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{"probe or lifecycle host", fmt.Sprintf("%s %s %s %s", containersPhrase(bad.list()), plural("uses", "use", len(bad)),
		plural("probe or lifecycle host", "probe or lifecycle hosts", len(hosts)), joinQuote(hosts.list()))}
}

func appArmorProfile(meta *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	allowed := func(p *corev1.AppArmorProfile) bool {
		return p == nil || p.Type == corev1.AppArmorProfileTypeRuntimeDefault || p.Type == corev1.AppArmorProfileTypeLocalhost
	}
	values := sortedSet{}
	pod := false
	if spec.SecurityContext != nil && !allowed(spec.SecurityContext.AppArmorProfile) {
		pod = true
		values[string(spec.SecurityContext.AppArmorProfile.Type)] = true
	}
	var bad []string
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && !allowed(c.SecurityContext.AppArmorProfile) {
			bad = append(bad, c.Name)
			values[string(c.SecurityContext.AppArmorProfile.Type)] = true
		}
	})
	var annotations []string
	for k, v := range meta.Annotations {
		if strings.HasPrefix(k, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix) &&
			v != "" && v != corev1.DeprecatedAppArmorBetaProfileRuntimeDefault && !strings.HasPrefix(v, corev1.DeprecatedAppArmorBetaProfileNamePrefix) {
			annotations = append(annotations, fmt.Sprintf("%s=%q", k, v))
		}
	}
	list := values.list()
	var more []string
	if len(annotations) > 0 {
		slices.Sort(annotations)
		list = append(list, annotations...)
		more = append(more, plural("annotation", "annotations", len(annotations)))
	}
	if !pod && len(bad) == 0 && len(more) == 0 {
		return nil
	}
	return &Violation{plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(list)),
		fmt.Sprintf("%s must not set AppArmor profile type to %s", setters(pod, bad, more...), joinQuote(list))}
}

func seLinuxOptions(_ *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	allowedTypes := sortedSet{"": true, "container_t": true, "container_init_t": true, "container_kvm_t": true}
	if minor >= 31 {
		allowedTypes["container_engine_t"] = true
	}
	types := sortedSet{}
	user, role := false, false
	valid := func(o *corev1.SELinuxOptions) bool {
		ok := true
		if !allowedTypes[o.Type] {
			ok = false
			types[o.Type] = true
		}
		if o.User != "" {
			ok, user = false, true
		}
		if o.Role != "" {
			ok, role = false, true
		}
		return ok
	}
	pod := spec.SecurityContext != nil && spec.SecurityContext.SELinuxOptions != nil && !valid(spec.SecurityContext.SELinuxOptions)
	var bad []string
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.SELinuxOptions != nil && !valid(c.SecurityContext.SELinuxOptions) {
			bad = append(bad, c.Name)
		}
	})
	if !pod && len(bad) == 0 {
		return nil
	}
	var what []string
	if len(types) > 0 {
		what = append(what, plural("type", "types", len(types))+" "+joinQuote(types.list()))
	}
	if user {
		what = append(what, "user may not be set")
	}
	if role {
		what = append(what, "role may not be set")
	}
	return &Violation{"seLinuxOptions", fmt.Sprintf("%s set forbidden securityContext.seLinuxOptions: %s", setters(pod, bad), strings.Join(what, "; "))}
}

// procMountBaseline forbids an unmasked /proc, except (v1.35+) in a user
// namespace.
func procMountBaseline(meta *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	if userNamespaced(spec, minor) {
		return nil
	}
	return procMountRestricted(meta, spec, minor)
}

// procMountRestricted forbids an unmasked /proc unconditionally (restricted
// keeps v1.0's rule when baseline relaxes it).
func procMountRestricted(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	var bad []string
	types := sortedSet{}
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.ProcMount != nil && *c.SecurityContext.ProcMount != corev1.DefaultProcMount {
			bad = append(bad, c.Name)
			types[string(*c.SecurityContext.ProcMount)] = true
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{"procMount", fmt.Sprintf("%s must not set securityContext.procMount to %s", containersPhrase(bad), joinQuote(types.list()))}
}

// The deprecated seccomp annotations v1.0–v1.18 check.
const (
	seccompPodAnnotation       = "seccomp.security.alpha.kubernetes.io/pod"
	seccompContainerAnnotation = "container.seccomp.security.alpha.kubernetes.io/"
)

func validSeccomp(p *corev1.SeccompProfile) bool {
	return p.Type == corev1.SeccompProfileTypeRuntimeDefault || p.Type == corev1.SeccompProfileTypeLocalhost
}

// seccompBaseline forbids the Unconfined profile: in the annotations before
// v1.19, in the fields from then on.
func seccompBaseline(meta *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	if minor < 19 {
		bad := sortedSet{}
		validValue := func(v string) bool {
			return v == corev1.SeccompProfileRuntimeDefault || v == corev1.DeprecatedSeccompProfileDockerDefault ||
				strings.HasPrefix(v, corev1.SeccompLocalhostProfileNamePrefix)
		}
		if v, ok := meta.Annotations[seccompPodAnnotation]; ok && !validValue(v) {
			bad[fmt.Sprintf("%s=%q", seccompPodAnnotation, v)] = true
		}
		visitContainers(spec, func(c *corev1.Container) {
			k := seccompContainerAnnotation + c.Name
			if v, ok := meta.Annotations[k]; ok && !validValue(v) {
				bad[fmt.Sprintf("%s=%q", k, v)] = true
			}
		})
		if len(bad) == 0 {
			return nil
		}
		return &Violation{"seccompProfile", fmt.Sprintf("forbidden %s %s", plural("annotation", "annotations", len(bad)), strings.Join(bad.list(), ", "))}
	}
	v, _ := seccompViolations(spec)
	return v
}

// seccompViolations is the explicit Unconfined violation, if any, and the
// containers that set no profile while the pod sets none either.
func seccompViolations(spec *corev1.PodSpec) (*Violation, []string) {
	values := sortedSet{}
	pod, podSet := false, false
	if sc := spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		if validSeccomp(sc.SeccompProfile) {
			podSet = true
		} else {
			pod = true
			values[string(sc.SeccompProfile.Type)] = true
		}
	}
	var bad, unset []string
	visitContainers(spec, func(c *corev1.Container) {
		switch {
		case c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil:
			if !validSeccomp(c.SecurityContext.SeccompProfile) {
				bad = append(bad, c.Name)
				values[string(c.SecurityContext.SeccompProfile.Type)] = true
			}
		case !podSet:
			unset = append(unset, c.Name)
		}
	})
	if !pod && len(bad) == 0 {
		return nil, unset
	}
	return &Violation{"seccompProfile", fmt.Sprintf("%s must not set securityContext.seccompProfile.type to %s", setters(pod, bad), joinQuote(values.list()))}, unset
}

// safeSysctls are the namespaced sysctls baseline allows, by the version
// that added them.
var safeSysctls = []struct {
	since int
	names []string
}{
	{0, []string{"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"}},
	{27, []string{"net.ipv4.ip_local_reserved_ports"}},
	{29, []string{"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}},
	{32, []string{"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}},
	{37, []string{"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}},
}

func sysctls(_ *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	if spec.SecurityContext == nil {
		return nil
	}
	allowed := sortedSet{}
	for _, s := range safeSysctls {
		if s.since <= minor {
			for _, n := range s.names {
				allowed[n] = true
			}
		}
	}
	var bad []string
	for _, s := range spec.SecurityContext.Sysctls {
		if !allowed[s.Name] {
			bad = append(bad, s.Name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &Violation{"forbidden sysctls", strings.Join(bad, ", ")}
}
