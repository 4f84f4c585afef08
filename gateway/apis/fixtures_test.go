package apis

import (
	"time"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// created is the creation time of every fixture; now is five minutes later.
var (
	created = metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	now     = created.Add(5 * time.Minute)
)

func res(name string) events.Resource { return events.MustLookup(name) }

func meta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, UID: types.UID("uid-" + name),
		ResourceVersion: "7", Generation: 1, CreationTimestamp: created, Labels: map[string]string{"app": "hello"}}
}

func helloContainer() corev1.Container {
	return corev1.Container{
		Name:  "hello",
		Image: "jetplane/hello:1",
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
		},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
			HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("http")}}},
	}
}

func helloPodSpec() corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{helloContainer()}}
}

// The good* fixtures are valid once defaulted.
func goodPod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: meta("hello-1", "default"), Spec: helloPodSpec()}
}

func helloTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "hello"}},
		Spec: helloPodSpec()}
}

func goodDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: meta("hello", "default"), Spec: appsv1.DeploymentSpec{
		Replicas: ptrTo(int32(3)),
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "hello"}},
		Template: helloTemplate(),
	}}
}

func goodReplicaSet() *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{ObjectMeta: meta("hello-5d9c", "default"), Spec: appsv1.ReplicaSetSpec{
		Replicas: ptrTo(int32(2)),
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "hello"}},
		Template: helloTemplate(),
	}}
}

func goodService() *corev1.Service {
	return &corev1.Service{ObjectMeta: meta("hello", "default"), Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "hello"},
		Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
	}}
}

func goodEndpoints() *corev1.Endpoints {
	return &corev1.Endpoints{ObjectMeta: meta("hello", "default"), Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "127.0.0.2"}, {IP: "10.0.0.3"}},
		Ports:     []corev1.EndpointPort{{Port: 8080}},
	}}}
}

func goodNode() *corev1.Node {
	return &corev1.Node{ObjectMeta: meta("node-1", ""), Status: corev1.NodeStatus{
		Capacity:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.10"}},
		NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.32.0-jetplane", OSImage: "Debian GNU/Linux 12",
			KernelVersion: "6.1.0", ContainerRuntimeVersion: "docker://27.0.1"},
	}}
}

func goodNamespace() *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: meta("team-a", "")}
}

// defaulted returns obj after Default, as the gateway validates it.
func defaulted[T events.Object](resource string, obj T) T {
	Default(res(resource), obj)
	return obj
}
