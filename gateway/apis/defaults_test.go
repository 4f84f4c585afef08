package apis

import (
	"testing"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDefault(t *testing.T) {
	pod := func(mutate func(*corev1.Pod)) *corev1.Pod {
		p := goodPod()
		mutate(p)
		return p
	}
	svc := func(mutate func(*corev1.Service)) *corev1.Service {
		s := goodService()
		mutate(s)
		return s
	}
	firstContainer := func(o events.Object) corev1.Container { return o.(*corev1.Pod).Spec.Containers[0] }
	quarter := intstr.FromString("25%")

	tests := []struct {
		name     string
		resource string
		obj      events.Object
		got      func(events.Object) any
		want     any
	}{
		{"pod restartPolicy", "pods", goodPod(), func(o events.Object) any { return o.(*corev1.Pod).Spec.RestartPolicy }, corev1.RestartPolicyAlways},
		{"pod restartPolicy kept", "pods", pod(func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever }),
			func(o events.Object) any { return o.(*corev1.Pod).Spec.RestartPolicy }, corev1.RestartPolicyNever},
		{"pod dnsPolicy", "pods", goodPod(), func(o events.Object) any { return o.(*corev1.Pod).Spec.DNSPolicy }, corev1.DNSClusterFirst},
		{"pod schedulerName", "pods", goodPod(), func(o events.Object) any { return o.(*corev1.Pod).Spec.SchedulerName }, "default-scheduler"},
		{"pod grace period", "pods", goodPod(), func(o events.Object) any { return *o.(*corev1.Pod).Spec.TerminationGracePeriodSeconds }, int64(30)},
		{"pod phase Pending", "pods", goodPod(), func(o events.Object) any { return o.(*corev1.Pod).Status.Phase }, corev1.PodPending},
		{"pod phase kept", "pods", pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }),
			func(o events.Object) any { return o.(*corev1.Pod).Status.Phase }, corev1.PodRunning},
		{"pod qos burstable", "pods", goodPod(), func(o events.Object) any { return o.(*corev1.Pod).Status.QOSClass }, corev1.PodQOSBurstable},
		{"pod qos best effort", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Resources = corev1.ResourceRequirements{} }),
			func(o events.Object) any { return o.(*corev1.Pod).Status.QOSClass }, corev1.PodQOSBestEffort},
		{"pod qos guaranteed", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("64Mi")}}
		}), func(o events.Object) any { return o.(*corev1.Pod).Status.QOSClass }, corev1.PodQOSGuaranteed},
		{"requests from limits", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}}
		}), func(o events.Object) any {
			r := firstContainer(o).Resources.Requests
			return r.Memory().String()
		}, "64Mi"},
		{"pull policy tagged", "pods", goodPod(), func(o events.Object) any { return firstContainer(o).ImagePullPolicy }, corev1.PullIfNotPresent},
		{"pull policy latest", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:latest" }),
			func(o events.Object) any { return firstContainer(o).ImagePullPolicy }, corev1.PullAlways},
		{"pull policy untagged with registry port", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "localhost:5000/nginx" }),
			func(o events.Object) any { return firstContainer(o).ImagePullPolicy }, corev1.PullAlways},
		{"pull policy digest", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx@sha256:abcd" }),
			func(o events.Object) any { return firstContainer(o).ImagePullPolicy }, corev1.PullIfNotPresent},
		{"pull policy kept", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].ImagePullPolicy = corev1.PullNever }),
			func(o events.Object) any { return firstContainer(o).ImagePullPolicy }, corev1.PullNever},
		{"termination message", "pods", goodPod(), func(o events.Object) any {
			c := firstContainer(o)
			return string(c.TerminationMessagePolicy) + " " + c.TerminationMessagePath
		}, "File /dev/termination-log"},
		{"container port protocol", "pods", goodPod(), func(o events.Object) any { return firstContainer(o).Ports[0].Protocol }, corev1.ProtocolTCP},
		{"probe defaults", "pods", goodPod(), func(o events.Object) any {
			p := firstContainer(o).ReadinessProbe
			return []any{p.TimeoutSeconds, p.PeriodSeconds, p.SuccessThreshold, p.FailureThreshold, p.HTTPGet.Scheme, p.HTTPGet.Path}
		}, []any{int32(1), int32(10), int32(1), int32(3), corev1.URISchemeHTTP, "/readyz"}},
		{"deployment replicas", "deployments", &appsv1.Deployment{},
			func(o events.Object) any { return *o.(*appsv1.Deployment).Spec.Replicas }, int32(1)},
		{"deployment strategy", "deployments", goodDeployment(), func(o events.Object) any { return o.(*appsv1.Deployment).Spec.Strategy },
			appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &quarter, MaxSurge: &quarter}}},
		{"deployment recreate has no rollingUpdate", "deployments", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}},
			func(o events.Object) any { return o.(*appsv1.Deployment).Spec.Strategy.RollingUpdate == nil }, true},
		{"deployment limits", "deployments", goodDeployment(), func(o events.Object) any {
			d := o.(*appsv1.Deployment)
			return []int32{*d.Spec.RevisionHistoryLimit, *d.Spec.ProgressDeadlineSeconds}
		}, []int32{10, 600}},
		{"deployment template", "deployments", goodDeployment(),
			func(o events.Object) any { return o.(*appsv1.Deployment).Spec.Template.Spec.RestartPolicy }, corev1.RestartPolicyAlways},
		{"replicaset replicas", "replicasets", &appsv1.ReplicaSet{},
			func(o events.Object) any { return *o.(*appsv1.ReplicaSet).Spec.Replicas }, int32(1)},
		{"replicaset template", "replicasets", goodReplicaSet(),
			func(o events.Object) any {
				return o.(*appsv1.ReplicaSet).Spec.Template.Spec.Containers[0].ImagePullPolicy
			}, corev1.PullIfNotPresent},
		{"service type and affinity", "services", goodService(), func(o events.Object) any {
			s := o.(*corev1.Service)
			return string(s.Spec.Type) + " " + string(s.Spec.SessionAffinity) + " " + string(s.Spec.Ports[0].Protocol)
		}, "ClusterIP None TCP"},
		{"service targetPort from port", "services", svc(func(s *corev1.Service) { s.Spec.Ports[0].TargetPort = intstr.IntOrString{} }),
			func(o events.Object) any { return o.(*corev1.Service).Spec.Ports[0].TargetPort }, intstr.FromInt32(80)},
		{"service named targetPort kept", "services", svc(func(s *corev1.Service) { s.Spec.Ports[0].TargetPort = intstr.FromString("http") }),
			func(o events.Object) any { return o.(*corev1.Service).Spec.Ports[0].TargetPort }, intstr.FromString("http")},
		{"nodeport traffic policy", "services", svc(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort }),
			func(o events.Object) any { return o.(*corev1.Service).Spec.ExternalTrafficPolicy }, corev1.ServiceExternalTrafficPolicyCluster},
		{"endpoints port protocol", "endpoints", goodEndpoints(),
			func(o events.Object) any { return o.(*corev1.Endpoints).Subsets[0].Ports[0].Protocol }, corev1.ProtocolTCP},
		{"namespace phase and label", "namespaces", goodNamespace(), func(o events.Object) any {
			ns := o.(*corev1.Namespace)
			return string(ns.Status.Phase) + " " + ns.Labels["kubernetes.io/metadata.name"]
		}, "Active team-a"},
		{"node allocatable from capacity", "nodes", goodNode(),
			func(o events.Object) any {
				a := o.(*corev1.Node).Status.Allocatable
				return a.Cpu().String()
			}, "2"},
		{"unknown kind untouched", "configmaps", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}},
			func(o events.Object) any { return o.(*corev1.ConfigMap).Name }, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := events.Lookup(tt.resource)
			if !ok {
				r = events.Resource{Name: tt.resource}
			}
			Default(r, tt.obj)
			if got := tt.got(tt.obj); !apiequality.Semantic.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// Defaulting twice changes nothing: update paths default stored objects again.
func TestDefaultIsIdempotent(t *testing.T) {
	tests := []struct {
		resource string
		obj      events.Object
	}{
		{"pods", goodPod()}, {"deployments", goodDeployment()}, {"replicasets", goodReplicaSet()},
		{"services", goodService()}, {"endpoints", goodEndpoints()}, {"namespaces", goodNamespace()}, {"nodes", goodNode()},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			Default(res(tt.resource), tt.obj)
			once := tt.obj.DeepCopyObject()
			Default(res(tt.resource), tt.obj)
			if !apiequality.Semantic.DeepEqual(once, tt.obj) {
				t.Errorf("second Default changed the object")
			}
		})
	}
}
