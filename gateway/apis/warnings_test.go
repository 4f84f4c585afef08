package apis

import (
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestWarnings(t *testing.T) {
	withVolume := func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		s.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	}
	tests := []struct {
		name     string
		resource string
		obj      events.Object
		want     []string
	}{
		{"plain pod", "pods", goodPod(), nil},
		{"volumes the nodes provide", "pods", pod(func(p *corev1.Pod) { withVolume(&p.Spec) }), nil},
		{"a volume no node provides", "pods", pod(func(p *corev1.Pod) {
			withVolume(&p.Spec)
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{}}})
		}), []string{"spec.volumes[1].nfs: stored but not acted on by Jetplane yet"}},
		{"init containers", "pods", pod(func(p *corev1.Pod) { p.Spec.InitContainers = []corev1.Container{helloContainer()} }),
			[]string{"spec.initContainers: stored but not acted on by Jetplane yet"}},
		{"pod anti-affinity", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{}}
		}), []string{"spec.affinity.podAntiAffinity: stored but not acted on by Jetplane yet"}},
		{"pod affinity", "pods", pod(func(p *corev1.Pod) { p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{}} }),
			[]string{"spec.affinity.podAffinity: stored but not acted on by Jetplane yet"}},
		{"security context", "pods", pod(func(p *corev1.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptrTo(true)}
		}), []string{"spec.securityContext: stored but not acted on by Jetplane yet"}},
		{"empty security context is not a setting", "pods", pod(func(p *corev1.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{}
		}), nil},
		// A pod runs as its service account: admission checks it, its token names it.
		{"service account", "pods", pod(func(p *corev1.Pod) { p.Spec.ServiceAccountName = "builder" }), nil},
		{"default service account", "pods", pod(func(p *corev1.Pod) { p.Spec.ServiceAccountName = "default" }), nil},
		{"host network", "pods", pod(func(p *corev1.Pod) { p.Spec.HostNetwork = true }),
			[]string{"spec.hostNetwork: stored but not acted on by Jetplane yet"}},
		{"envFrom and valueFrom", "pods", pod(func(p *corev1.Pod) {
			c := &p.Spec.Containers[0]
			c.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{}}}
			c.Env = []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
		}), nil},
		{"deployment template", "deployments", deployment(func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "t", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
					{ClusterTrustBundle: &corev1.ClusterTrustBundleProjection{Path: "ca"}}}}}}}
		}), []string{"spec.template.spec.volumes[0].projected.sources[1]: stored but not acted on by Jetplane yet"}},
		{"replicaset template", "replicasets", replicaSet(func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.HostNetwork = true }),
			[]string{"spec.template.spec.hostNetwork: stored but not acted on by Jetplane yet"}},
		{"service has none", "services", goodService(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Warnings(res(tt.resource), tt.obj)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
