package apis

import (
	"sort"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Short names for the error types the tests expect.
const (
	required     = field.ErrorTypeRequired
	invalid      = field.ErrorTypeInvalid
	duplicate    = field.ErrorTypeDuplicate
	notSupported = field.ErrorTypeNotSupported
	forbidden    = field.ErrorTypeForbidden
)

// want is one expected error: its type and field path.
type want struct {
	typ  field.ErrorType
	path string
}

func pod(mutate func(*corev1.Pod)) *corev1.Pod {
	p := defaulted("pods", goodPod())
	mutate(p)
	return p
}

func deployment(mutate func(*appsv1.Deployment)) *appsv1.Deployment {
	d := defaulted("deployments", goodDeployment())
	mutate(d)
	return d
}

func replicaSet(mutate func(*appsv1.ReplicaSet)) *appsv1.ReplicaSet {
	rs := defaulted("replicasets", goodReplicaSet())
	mutate(rs)
	return rs
}

func service(mutate func(*corev1.Service)) *corev1.Service {
	s := defaulted("services", goodService())
	mutate(s)
	return s
}

func endpoints(mutate func(*corev1.Endpoints)) *corev1.Endpoints {
	e := defaulted("endpoints", goodEndpoints())
	mutate(e)
	return e
}

func noChange[T any](T) {}

func TestValidateCreate(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		obj      events.Object
		want     []want
	}{
		// Good objects pass.
		{"good pod", "pods", pod(noChange), nil},
		{"good deployment", "deployments", deployment(noChange), nil},
		{"good replicaset", "replicasets", replicaSet(noChange), nil},
		{"good service", "services", service(noChange), nil},
		{"good endpoints with loopback pod IP", "endpoints", endpoints(noChange), nil},
		{"good node", "nodes", defaulted("nodes", goodNode()), nil},
		{"good namespace", "namespaces", defaulted("namespaces", goodNamespace()), nil},
		{"headless service without ports", "services", service(func(s *corev1.Service) {
			s.Spec.ClusterIP, s.Spec.Ports = corev1.ClusterIPNone, nil
		}), nil},
		{"external name service", "services", service(func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = corev1.ServiceTypeExternalName, "db.example.com.", nil
		}), nil},
		{"node port service", "services", service(func(s *corev1.Service) {
			s.Spec.Type, s.Spec.Ports[0].NodePort = corev1.ServiceTypeNodePort, 31472
		}), nil},

		// Metadata.
		{"name required", "pods", pod(func(p *corev1.Pod) { p.Name = "" }), []want{{required, "metadata.name"}}},
		{"name not a subdomain", "pods", pod(func(p *corev1.Pod) { p.Name = "Hello_1" }), []want{{invalid, "metadata.name"}}},
		{"dotted pod name is fine", "pods", pod(func(p *corev1.Pod) { p.Name = "hello.v1" }), nil},
		{"namespace name must be a label", "namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team.a"}},
			[]want{{invalid, "metadata.name"}}},
		{"service name must start with a letter", "services", service(func(s *corev1.Service) { s.Name = "1hello" }),
			[]want{{invalid, "metadata.name"}}},
		{"namespace required", "pods", pod(func(p *corev1.Pod) { p.Namespace = "" }), []want{{required, "metadata.namespace"}}},
		{"namespace forbidden on nodes", "nodes", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Namespace: "default"}},
			[]want{{forbidden, "metadata.namespace"}}},
		{"bad label key", "pods", pod(func(p *corev1.Pod) { p.Labels = map[string]string{"a b": "x"} }), []want{{invalid, "metadata.labels"}}},
		{"bad label value", "pods", pod(func(p *corev1.Pod) { p.Labels = map[string]string{"app": "-x"} }), []want{{invalid, "metadata.labels"}}},
		{"bad annotation key", "pods", pod(func(p *corev1.Pod) { p.Annotations = map[string]string{"/x": "y"} }),
			[]want{{invalid, "metadata.annotations"}}},
		{"unknown kind checks metadata", "widgets", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "UPPER", Namespace: "default"}},
			[]want{{invalid, "metadata.name"}}},

		// Pods.
		{"containers required", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers = nil }), []want{{required, "spec.containers"}}},
		{"container name required", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Name = "" }),
			[]want{{required, "spec.containers[0].name"}}},
		{"container name a label", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Name = "Hello" }),
			[]want{{invalid, "spec.containers[0].name"}}},
		{"container names unique", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0])
		}), []want{{duplicate, "spec.containers[1].name"}}},
		{"image required", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }),
			[]want{{required, "spec.containers[0].image"}}},
		{"containerPort range", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 70000 }),
			[]want{{invalid, "spec.containers[0].ports[0].containerPort"}}},
		{"containerPort required", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 0 }),
			[]want{{required, "spec.containers[0].ports[0].containerPort"}}},
		{"port names unique", "pods", pod(func(p *corev1.Pod) {
			c := &p.Spec.Containers[0]
			c.Ports = append(c.Ports, corev1.ContainerPort{Name: "http", ContainerPort: 9090, Protocol: corev1.ProtocolTCP})
		}), []want{{duplicate, "spec.containers[0].ports[1].name"}}},
		{"port protocol", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].Protocol = "HTTP" }),
			[]want{{notSupported, "spec.containers[0].ports[0].protocol"}}},
		{"restartPolicy", "pods", pod(func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes" }),
			[]want{{notSupported, "spec.restartPolicy"}}},
		{"requests above limits", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("2")
		}), []want{{invalid, "spec.containers[0].resources.requests"}}},
		{"negative limit", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("-1")}}
		}), []want{{invalid, "spec.containers[0].resources.limits[memory]"}}},
		{"probe without handler", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].ReadinessProbe.HTTPGet = nil }),
			[]want{{required, "spec.containers[0].readinessProbe"}}},
		{"probe with two handlers", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Containers[0].ReadinessProbe.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}
		}), []want{{forbidden, "spec.containers[0].readinessProbe"}}},
		{"liveness successThreshold", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{SuccessThreshold: 2,
				ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}}
		}), []want{{invalid, "spec.containers[0].livenessProbe.successThreshold"}}},
		{"env name required", "pods", pod(func(p *corev1.Pod) { p.Spec.Containers[0].Env = []corev1.EnvVar{{Value: "x"}} }),
			[]want{{required, "spec.containers[0].env[0].name"}}},
		{"activeDeadlineSeconds positive", "pods", pod(func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo(int64(0)) }),
			[]want{{invalid, "spec.activeDeadlineSeconds"}}},
		{"toleration effect", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Effect: "Sometimes"}}
		}), []want{{notSupported, "spec.tolerations[0].effect"}}},

		// Deployments and ReplicaSets.
		{"selector required", "deployments", deployment(func(d *appsv1.Deployment) { d.Spec.Selector = nil }),
			[]want{{required, "spec.selector"}}},
		{"empty selector", "deployments", deployment(func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} }),
			[]want{{invalid, "spec.selector"}}},
		{"selector does not match", "deployments", deployment(func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "other"} }),
			[]want{{invalid, "spec.template.metadata.labels"}}},
		{"negative replicas", "deployments", deployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptrTo(int32(-1)) }),
			[]want{{invalid, "spec.replicas"}}},
		{"template validated under spec.template.spec", "deployments", deployment(func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Image = ""
		}), []want{{required, "spec.template.spec.containers[0].image"}}},
		{"template restartPolicy Always", "deployments", deployment(func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		}), []want{{notSupported, "spec.template.spec.restartPolicy"}}},
		{"strategy type", "deployments", deployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy = appsv1.DeploymentStrategy{Type: "BlueGreen"}
		}), []want{{notSupported, "spec.strategy.type"}}},
		{"recreate with rollingUpdate", "deployments", deployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
		}), []want{{forbidden, "spec.strategy.rollingUpdate"}}},
		{"surge and unavailable both 0", "deployments", deployment(func(d *appsv1.Deployment) {
			zero, zeroPct := intstr.FromInt32(0), intstr.FromString("0%")
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: &zero, MaxSurge: &zeroPct}
		}), []want{{invalid, "spec.strategy.rollingUpdate.maxUnavailable"}}},
		{"bad percent", "deployments", deployment(func(d *appsv1.Deployment) {
			v := intstr.FromString("25")
			d.Spec.Strategy.RollingUpdate.MaxSurge = &v
		}), []want{{invalid, "spec.strategy.rollingUpdate.maxSurge"}}},
		{"maxUnavailable above 100%", "deployments", deployment(func(d *appsv1.Deployment) {
			v := intstr.FromString("150%")
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = &v
		}), []want{{invalid, "spec.strategy.rollingUpdate.maxUnavailable"}}},
		{"negative revisionHistoryLimit", "deployments", deployment(func(d *appsv1.Deployment) {
			d.Spec.RevisionHistoryLimit = ptrTo(int32(-1))
		}), []want{{invalid, "spec.revisionHistoryLimit"}}},
		{"replicaset selector mismatch", "replicasets", replicaSet(func(rs *appsv1.ReplicaSet) {
			rs.Spec.Selector.MatchLabels = map[string]string{"app": "x"}
		}), []want{{invalid, "spec.template.metadata.labels"}}},

		// Services.
		{"ports required", "services", service(func(s *corev1.Service) { s.Spec.Ports = nil }), []want{{required, "spec.ports"}}},
		{"port range", "services", service(func(s *corev1.Service) { s.Spec.Ports[0].Port = 0 }), []want{{invalid, "spec.ports[0].port"}}},
		{"port names required when several", "services", service(func(s *corev1.Service) {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "b", Port: 81, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(81)})
		}), []want{{required, "spec.ports[0].name"}}},
		{"port names unique", "services", service(func(s *corev1.Service) {
			s.Spec.Ports[0].Name = "a"
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "a", Port: 81, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(81)})
		}), []want{{duplicate, "spec.ports[1].name"}}},
		{"port protocol", "services", service(func(s *corev1.Service) { s.Spec.Ports[0].Protocol = "ICMP" }),
			[]want{{notSupported, "spec.ports[0].protocol"}}},
		{"service type", "services", service(func(s *corev1.Service) { s.Spec.Type = "Magic" }), []want{{notSupported, "spec.type"}}},
		{"nodePort range", "services", service(func(s *corev1.Service) {
			s.Spec.Type, s.Spec.Ports[0].NodePort = corev1.ServiceTypeNodePort, 8080
		}), []want{{invalid, "spec.ports[0].nodePort"}}},
		{"nodePort on ClusterIP", "services", service(func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 31000 }),
			[]want{{forbidden, "spec.ports[0].nodePort"}}},
		{"externalName required", "services", service(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName }),
			[]want{{required, "spec.externalName"}}},
		{"externalName a subdomain", "services", service(func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "not a host"
		}), []want{{invalid, "spec.externalName"}}},
		{"clusterIP an IP", "services", service(func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0" }),
			[]want{{invalid, "spec.clusterIP"}}},

		// Endpoints.
		{"endpoint ip", "endpoints", endpoints(func(e *corev1.Endpoints) { e.Subsets[0].Addresses[0].IP = "pod-1" }),
			[]want{{invalid, "subsets[0].addresses[0].ip"}}},
		{"endpoint port", "endpoints", endpoints(func(e *corev1.Endpoints) { e.Subsets[0].Ports[0].Port = 0 }),
			[]want{{invalid, "subsets[0].ports[0].port"}}},
		{"endpoint subset needs addresses", "endpoints", endpoints(func(e *corev1.Endpoints) { e.Subsets[0].Addresses = nil }),
			[]want{{required, "subsets[0]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := events.Lookup(tt.resource)
			if !ok {
				r = events.Resource{Name: tt.resource, Namespaced: true}
			}
			assertErrors(t, Validate(r, tt.obj, nil), tt.want)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		old, obj events.Object
		want     []want
	}{
		{"pod image may change", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "jetplane/hello:2" }), nil},
		{"pod labels may change", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.Labels["tier"] = "web" }), nil},
		{"pod toleration may be added", "pods", pod(noChange), pod(func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
		}), nil},
		{"pod activeDeadlineSeconds may be set", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo(int64(60)) }), nil},
		{"pod activeDeadlineSeconds may not grow", "pods", pod(func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo(int64(60)) }),
			pod(func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo(int64(90)) }), []want{{invalid, "spec.activeDeadlineSeconds"}}},
		{"pod toleration may not be removed", "pods", pod(func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
		}), pod(noChange), []want{{forbidden, "spec.tolerations"}}},
		{"pod ports are immutable", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 9090 }),
			[]want{{forbidden, "spec"}}},
		{"pod stored without defaults may be relabelled", "pods", goodPod(), pod(func(p *corev1.Pod) { p.Labels["tier"] = "web" }), nil},
		{"pod status change is not a spec change", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }), nil},
		{"name immutable", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.Name = "other" }), []want{{invalid, "metadata.name"}}},
		{"namespace immutable", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.Namespace = "other" }), []want{{invalid, "metadata.namespace"}}},
		{"uid immutable", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.UID = "other" }), []want{{invalid, "metadata.uid"}}},
		{"deployment scale", "deployments", deployment(noChange), deployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptrTo(int32(5)) }), nil},
		{"deployment selector immutable", "deployments", deployment(noChange), deployment(func(d *appsv1.Deployment) {
			d.Spec.Selector.MatchLabels["tier"] = "web"
			d.Spec.Template.Labels["tier"] = "web"
		}), []want{{invalid, "spec.selector"}}},
		{"replicaset selector immutable", "replicasets", replicaSet(noChange), replicaSet(func(rs *appsv1.ReplicaSet) {
			rs.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"hello"}}}}
		}), []want{{invalid, "spec.selector"}}},
		{"service clusterIP immutable once set", "services", service(func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.10" }),
			service(func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.11" }), []want{{invalid, "spec.clusterIP"}}},
		{"service clusterIP may be assigned", "services", service(noChange),
			service(func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.11" }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErrors(t, Validate(res(tt.resource), tt.obj, tt.old), tt.want)
		})
	}
}

// Messages are Kubernetes' own, as kubectl shows them.
func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		old, obj events.Object
		want     string
	}{
		{"containers required", "pods", nil, pod(func(p *corev1.Pod) { p.Spec.Containers = nil }), "spec.containers: Required value"},
		{"selector mismatch", "deployments", nil, deployment(func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "other"} }),
			"spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`"},
		{"selector immutable", "deployments", deployment(noChange), deployment(func(d *appsv1.Deployment) {
			d.Spec.Selector.MatchLabels["tier"] = "web"
			d.Spec.Template.Labels["tier"] = "web"
		}), "field is immutable"},
		{"duplicate container", "pods", nil, pod(func(p *corev1.Pod) { p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0]) }),
			`spec.containers[1].name: Duplicate value: "hello"`},
		{"pod update", "pods", pod(noChange), pod(func(p *corev1.Pod) { p.Spec.NodeName = "node-2" }),
			"spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"},
		{"requests above limits", "pods", nil, pod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("2")
		}), `spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 500m`},
		{"nodePort range", "services", nil, service(func(s *corev1.Service) {
			s.Spec.Type, s.Spec.Ports[0].NodePort = corev1.ServiceTypeNodePort, 80
		}), "provided port is not in the valid range. The range of valid ports is 30000-32767"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Validate(res(tt.resource), tt.obj, tt.old)
			if !strings.Contains(errs.ToAggregate().Error(), tt.want) {
				t.Errorf("errors %q do not contain %q", errs.ToAggregate(), tt.want)
			}
		})
	}
}

func assertErrors(t *testing.T, errs field.ErrorList, wants []want) {
	t.Helper()
	got := make([]string, len(errs))
	for i, e := range errs {
		got[i] = string(e.Type) + " " + e.Field
	}
	expected := make([]string, len(wants))
	for i, w := range wants {
		expected[i] = string(w.typ) + " " + w.path
	}
	sort.Strings(got)
	sort.Strings(expected)
	if strings.Join(got, "\n") != strings.Join(expected, "\n") {
		t.Errorf("errors:\n%v\nwant:\n%v", errs.ToAggregate(), strings.Join(expected, "\n"))
	}
}
