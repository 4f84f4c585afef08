package podsecurity

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

// restrictedPod passes restricted: the fields every container must set.
func restrictedPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{Name: "c", Image: "i", SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr(false),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			}}},
		},
	}
}

var (
	baselineLatest   = LevelVersion{Baseline, Latest}
	restrictedLatest = LevelVersion{Restricted, Latest}
)

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lv     LevelVersion
		mutate func(*corev1.Pod)
		want   string // Detail of the violations; "" is allowed
	}{
		{"restricted pod passes restricted", restrictedLatest, func(*corev1.Pod) {}, ""},
		{"default pod passes baseline", baselineLatest, func(p *corev1.Pod) { p.Spec = corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}} }, ""},
		{"privileged passes anything", LevelVersion{Privileged, Latest}, func(p *corev1.Pod) { p.Spec.HostPID = true }, ""},
		{"privileged container", baselineLatest, func(p *corev1.Pod) { p.Spec.Containers[0].SecurityContext.Privileged = ptr(true) },
			`privileged (container "c" must not set securityContext.privileged=true)`},
		{"host namespaces", baselineLatest, func(p *corev1.Pod) { p.Spec.HostNetwork, p.Spec.HostIPC = true, true },
			`host namespaces (hostNetwork=true, hostIPC=true)`},
		{"hostProcess", baselineLatest, func(p *corev1.Pod) {
			p.Spec.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptr(true)}
		}, `hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)`},
		{"baseline capabilities", baselineLatest, func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"SYS_ADMIN", "CHOWN", "NET_ADMIN"}
		}, `non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)`},
		{"restricted capabilities", restrictedLatest, func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext.Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"CHOWN", "NET_BIND_SERVICE"}}
		}, `unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; container "c" must not include "CHOWN" in securityContext.capabilities.add)`},
		{"hostPath", baselineLatest, func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "a", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}},
				{Name: "b", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/etc"}}}}
		}, `hostPath volumes (volumes "a", "b")`},
		{"hostPorts", baselineLatest, func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}, {ContainerPort: 81, HostPort: 443}}
		}, `hostPort (container "c" uses hostPorts 443, 8080)`},
		{"probe host", baselineLatest, func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "10.0.0.1"}}}
		}, `probe or lifecycle host (container "c" uses probe or lifecycle host "10.0.0.1")`},
		{"probe host before v1.34", LevelVersion{Baseline, Version{Minor: 33}}, func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "10.0.0.1"}}}
		}, ""},
		{"apparmor", baselineLatest, func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		}, `forbidden AppArmor profile (container "c" must not set AppArmor profile type to "Unconfined")`},
		{"selinux", baselineLatest, func(p *corev1.Pod) {
			p.Spec.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "spc_t", User: "root"}
		}, `seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)`},
		{"procMount", baselineLatest, func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext.ProcMount = ptr(corev1.UnmaskedProcMount)
		}, `procMount (container "c" must not set securityContext.procMount to "Unmasked")`},
		{"procMount in a user namespace", baselineLatest, func(p *corev1.Pod) {
			p.Spec.HostUsers = ptr(false)
			p.Spec.Containers[0].SecurityContext.ProcMount = ptr(corev1.UnmaskedProcMount)
		}, ""},
		{"procMount in a user namespace, restricted", restrictedLatest, func(p *corev1.Pod) {
			p.Spec.HostUsers = ptr(false)
			p.Spec.Containers[0].SecurityContext.ProcMount = ptr(corev1.UnmaskedProcMount)
		}, `procMount (container "c" must not set securityContext.procMount to "Unmasked")`},
		{"seccomp unconfined", baselineLatest, func(p *corev1.Pod) {
			p.Spec.SecurityContext.SeccompProfile.Type = corev1.SeccompProfileTypeUnconfined
		}, `seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")`},
		{"seccomp unset", restrictedLatest, func(p *corev1.Pod) { p.Spec.SecurityContext.SeccompProfile = nil },
			`seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`},
		{"sysctls", baselineLatest, func(p *corev1.Pod) {
			p.Spec.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.msgmax"}, {Name: "net.ipv4.tcp_syncookies"}, {Name: "net.ipv4.tcp_rmem"}}
		}, `forbidden sysctls (kernel.msgmax)`},
		{"sysctls at v1.31", LevelVersion{Baseline, Version{Minor: 31}}, func(p *corev1.Pod) {
			p.Spec.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "net.ipv4.tcp_rmem"}}
		}, `forbidden sysctls (net.ipv4.tcp_rmem)`},
		{"volume types", restrictedLatest, func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{}}}}
		}, `restricted volume types (volume "n" uses restricted volume type "nfs")`},
		{"privilege escalation", restrictedLatest, func(p *corev1.Pod) { p.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil },
			`allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)`},
		{"runAsNonRoot false", restrictedLatest, func(p *corev1.Pod) { p.Spec.Containers[0].SecurityContext.RunAsNonRoot = ptr(false) },
			`runAsNonRoot != true (container "c" must not set securityContext.runAsNonRoot=false)`},
		{"runAsNonRoot unset", restrictedLatest, func(p *corev1.Pod) { p.Spec.SecurityContext.RunAsNonRoot = nil },
			`runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)`},
		{"runAsUser 0", restrictedLatest, func(p *corev1.Pod) {
			p.Spec.SecurityContext.RunAsUser = ptr(int64(0))
			p.Spec.Containers[0].SecurityContext.RunAsUser = ptr(int64(0))
		}, `runAsUser=0 (pod and container "c" must not set runAsUser=0)`},
		{"runAsUser before v1.23", LevelVersion{Restricted, Version{Minor: 22}}, func(p *corev1.Pod) {
			p.Spec.SecurityContext.RunAsUser = ptr(int64(0))
		}, ""},
		{"windows pods skip the linux checks", restrictedLatest, func(p *corev1.Pod) {
			p.Spec = corev1.PodSpec{OS: &corev1.PodOS{Name: corev1.Windows}, SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true)},
				Containers: []corev1.Container{{Name: "c"}}}
		}, ""},
		{"several, in the plugin's order, init containers too", restrictedLatest, func(p *corev1.Pod) {
			p.Spec.HostPID = true
			p.Spec.InitContainers = []corev1.Container{{Name: "i", SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}}
		}, `host namespaces (hostPID=true), privileged (container "i" must not set securityContext.privileged=true), ` +
			`allowPrivilegeEscalation != false (container "i" must set securityContext.allowPrivilegeEscalation=false), ` +
			`unrestricted capabilities (container "i" must set securityContext.capabilities.drop=["ALL"])`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := restrictedPod()
			tc.mutate(p)
			if got := Detail(Evaluate(tc.lv, &p.ObjectMeta, &p.Spec)); got != tc.want {
				t.Errorf("Evaluate(%s)\n got %s\nwant %s", tc.lv, got, tc.want)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	p := restrictedPod()
	p.Spec.Containers[0].SecurityContext.Privileged = ptr(true)
	vs := Evaluate(baselineLatest, &p.ObjectMeta, &p.Spec)
	want := `violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)`
	if got := Denial(baselineLatest, vs); got != want {
		t.Errorf("Denial = %s", got)
	}
	p.Spec.HostIPC = true
	if got := Reasons(Evaluate(baselineLatest, &p.ObjectMeta, &p.Spec)); got != "host namespaces, privileged" {
		t.Errorf("Reasons = %s", got)
	}
	if got := Warning(LevelVersion{Baseline, Version{Minor: 30}}, vs); !strings.HasPrefix(got, `would violate PodSecurity "baseline:v1.30": privileged (`) {
		t.Errorf("Warning = %s", got)
	}
}

func TestPolicyOf(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		labels               map[string]string
		enforce, audit, warn string
		errs                 int
	}{
		{"no labels", nil, "privileged:latest", "privileged:latest", "privileged:latest", 0},
		{"enforce, warn follows", map[string]string{EnforceLabel: "baseline", EnforceVersionLabel: "v1.30"}, "baseline:v1.30", "privileged:latest", "baseline:v1.30", 0},
		{"warn own level", map[string]string{EnforceLabel: "baseline", WarnLabel: "restricted"}, "baseline:latest", "privileged:latest", "restricted:latest", 0},
		{"warn stricter than enforce kept", map[string]string{EnforceLabel: "restricted", WarnLabel: "baseline", WarnVersionLabel: "latest"}, "restricted:latest", "privileged:latest", "baseline:latest", 0},
		{"audit", map[string]string{AuditLabel: "restricted", AuditVersionLabel: "v1.25"}, "privileged:latest", "restricted:v1.25", "privileged:latest", 0},
		{"invalid enforce fails closed", map[string]string{EnforceLabel: "strict"}, "restricted:latest", "privileged:latest", "privileged:latest", 1},
		{"invalid warn fails open", map[string]string{WarnLabel: "strict", WarnVersionLabel: "1.30"}, "privileged:latest", "privileged:latest", "privileged:latest", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, errs := PolicyOf(tc.labels)
			if got := []string{p.Enforce.String(), p.Audit.String(), p.Warn.String()}; !slices.Equal(got, []string{tc.enforce, tc.audit, tc.warn}) {
				t.Errorf("policy %v", got)
			}
			if len(errs) != tc.errs {
				t.Errorf("errors %v, want %d", errs, tc.errs)
			}
		})
	}
	_, errs := PolicyOf(map[string]string{EnforceLabel: "strict"})
	if want := `metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted`; errs[0].Error() != want {
		t.Errorf("error %q", errs[0])
	}
}

// TestCheckOrder keeps the plugin's reporting order: baseline ids sorted,
// then restricted ids sorted.
func TestCheckOrder(t *testing.T) {
	var base, restr []string
	for _, c := range checks {
		if c.level == Baseline {
			if len(restr) > 0 {
				t.Fatalf("baseline check %s after restricted ones", c.id)
			}
			base = append(base, c.id)
		} else {
			restr = append(restr, c.id)
		}
	}
	if !slices.IsSorted(base) || !slices.IsSorted(restr) {
		t.Errorf("checks out of order: %v %v", base, restr)
	}
}

func TestSignificantPodUpdate(t *testing.T) {
	old := restrictedPod()
	relabelled := old.DeepCopy()
	relabelled.Labels = map[string]string{"a": "b"}
	relabelled.Status.Phase = corev1.PodRunning
	reimaged := old.DeepCopy()
	reimaged.Spec.Containers[0].Image = "other"
	debug := old.DeepCopy()
	debug.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "d"}}}
	for _, tc := range []struct {
		pod  *corev1.Pod
		want bool
	}{{relabelled, false}, {reimaged, true}, {debug, true}} {
		if got := SignificantPodUpdate(tc.pod, old); got != tc.want {
			t.Errorf("SignificantPodUpdate = %v, want %v", got, tc.want)
		}
	}
}

func TestPodSpecOf(t *testing.T) {
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{HostPID: true}}
	for _, obj := range []any{
		&appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: tmpl}},
		&appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: tmpl}},
		&corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Template: &tmpl}},
		&batchv1.CronJob{Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}},
	} {
		if _, spec, ok := PodSpecOf(obj); !ok || !spec.HostPID {
			t.Errorf("PodSpecOf(%T) = %v %v", obj, spec, ok)
		}
	}
	if _, _, ok := PodSpecOf(&corev1.ConfigMap{}); ok {
		t.Error("a ConfigMap has no pod spec")
	}
}
