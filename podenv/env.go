package podenv

import (
	"errors"
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// ErrNotFound is what a Sources lookup returns for an object that does not
// exist.
var ErrNotFound = errors.New("not found")

// Sources are what a container's environment is read from.
type Sources struct {
	// ConfigMap and Secret look up an object of the pod's namespace
	// (ErrNotFound when there is none); Secret gives its data.
	ConfigMap func(name string) (*corev1.ConfigMap, error)
	Secret    func(name string) (map[string][]byte, error)
	PodIP     string
	HostIP    string
	// NodeAllocatable stands in for a limit the container does not set
	// (resourceFieldRef), as in the kubelet.
	NodeAllocatable corev1.ResourceList
}

// Var is one environment variable.
type Var struct{ Name, Value string }

// ConfigError is why a container cannot be configured yet, with the
// kubelet's message: its waiting reason is Reason (CreateContainerConfigError
// when empty; a volume that cannot be set up leaves it ContainerCreating).
type ConfigError struct{ Message, Reason string }

func (e *ConfigError) Error() string { return e.Message }

// Reason is the waiting reason of a container whose configuration fails.
const Reason = "CreateContainerConfigError"

// Env is container c's environment in pod, in the kubelet's order: envFrom
// first, then env, a later name replacing an earlier one in place.
func Env(pod *corev1.Pod, c *corev1.Container, src Sources) ([]Var, error) {
	var out []Var
	index := map[string]int{}
	set := func(name, value string) {
		if i, ok := index[name]; ok {
			out[i].Value = value
			return
		}
		index[name] = len(out)
		out = append(out, Var{Name: name, Value: value})
	}
	for _, from := range c.EnvFrom {
		data, err := envFromData(pod, from, src)
		if err != nil {
			return nil, err
		}
		for _, k := range sortedKeys(data) {
			name := from.Prefix + k
			if len(validation.IsEnvVarName(name)) > 0 {
				continue // the kubelet skips invalid names (and says so in an event)
			}
			set(name, data[k])
		}
	}
	for _, e := range c.Env {
		v, err := value(pod, c, e, src, func(name string) (string, bool) {
			if i, ok := index[name]; ok {
				return out[i].Value, true
			}
			return "", false
		})
		if err != nil {
			return nil, err
		}
		if v.skip {
			continue
		}
		set(e.Name, v.s)
	}
	return out, nil
}

type envValue struct {
	s    string
	skip bool // an optional reference to something missing
}

func envFromData(pod *corev1.Pod, from corev1.EnvFromSource, src Sources) (map[string]string, error) {
	switch {
	case from.ConfigMapRef != nil:
		cm, err := src.ConfigMap(from.ConfigMapRef.Name)
		if errors.Is(err, ErrNotFound) {
			if optional(from.ConfigMapRef.Optional) {
				return nil, nil
			}
			return nil, &ConfigError{Message: fmt.Sprintf("configmap %q not found", from.ConfigMapRef.Name)}
		}
		if err != nil {
			return nil, err
		}
		return cm.Data, nil
	case from.SecretRef != nil:
		data, err := src.Secret(from.SecretRef.Name)
		if errors.Is(err, ErrNotFound) {
			if optional(from.SecretRef.Optional) {
				return nil, nil
			}
			return nil, &ConfigError{Message: fmt.Sprintf("secret %q not found", from.SecretRef.Name)}
		}
		if err != nil {
			return nil, err
		}
		out := make(map[string]string, len(data))
		for k, v := range data {
			out[k] = string(v)
		}
		return out, nil
	}
	return nil, nil
}

func value(pod *corev1.Pod, c *corev1.Container, e corev1.EnvVar, src Sources, lookup func(string) (string, bool)) (envValue, error) {
	from := e.ValueFrom
	if from == nil {
		return envValue{s: Expand(e.Value, lookup)}, nil
	}
	switch {
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		cm, err := src.ConfigMap(ref.Name)
		if errors.Is(err, ErrNotFound) {
			if optional(ref.Optional) {
				return envValue{skip: true}, nil
			}
			return envValue{}, &ConfigError{Message: fmt.Sprintf("configmap %q not found", ref.Name)}
		}
		if err != nil {
			return envValue{}, err
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if optional(ref.Optional) {
				return envValue{skip: true}, nil
			}
			return envValue{}, &ConfigError{Message: fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)}
		}
		return envValue{s: v}, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		data, err := src.Secret(ref.Name)
		if errors.Is(err, ErrNotFound) {
			if optional(ref.Optional) {
				return envValue{skip: true}, nil
			}
			return envValue{}, &ConfigError{Message: fmt.Sprintf("secret %q not found", ref.Name)}
		}
		if err != nil {
			return envValue{}, err
		}
		v, ok := data[ref.Key]
		if !ok {
			if optional(ref.Optional) {
				return envValue{skip: true}, nil
			}
			return envValue{}, &ConfigError{Message: fmt.Sprintf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)}
		}
		return envValue{s: string(v)}, nil
	case from.FieldRef != nil:
		v, err := FieldValue(pod, from.FieldRef.FieldPath, src)
		return envValue{s: v}, err
	case from.ResourceFieldRef != nil:
		v, err := ResourceValue(pod, c, from.ResourceFieldRef, src.NodeAllocatable)
		return envValue{s: v}, err
	}
	return envValue{s: e.Value}, nil
}

// FieldValue is the downward API's value of a pod field (fieldRef).
func FieldValue(pod *corev1.Pod, path string, src Sources) (string, error) {
	if k, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[k], nil
	}
	if k, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[k], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.hostIPs":
		return src.HostIP, nil
	case "status.podIP", "status.podIPs":
		return src.PodIP, nil
	}
	return "", &ConfigError{Message: fmt.Sprintf("unsupported fieldPath: %s", path)}
}

// subscript reads field['key'].
func subscript(path, field string) (string, bool) {
	rest, ok := strings.CutPrefix(path, field+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}

// formatMap is the downward API's file form of labels or annotations:
// key="value" lines, sorted.
func formatMap(m map[string]string) string {
	var b strings.Builder
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s=%q", k, m[k])
	}
	return b.String()
}

// ResourceValue is a container's request or limit (resourceFieldRef) in
// units of its divisor, rounded up as the kubelet does; an unset limit is
// the node's allocatable.
func ResourceValue(pod *corev1.Pod, c *corev1.Container, ref *corev1.ResourceFieldSelector, allocatable corev1.ResourceList) (string, error) {
	if ref.ContainerName != "" {
		c = nil
		for i := range pod.Spec.Containers {
			if pod.Spec.Containers[i].Name == ref.ContainerName {
				c = &pod.Spec.Containers[i]
			}
		}
		if c == nil {
			return "", &ConfigError{Message: fmt.Sprintf("container %s not found in pod %s", ref.ContainerName, pod.Name)}
		}
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", &ConfigError{Message: fmt.Sprintf("unsupported container resource: %s", ref.Resource)}
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, set := list[corev1.ResourceName(name)]
	if !set && kind == "limits" {
		q, set = allocatable[corev1.ResourceName(name)]
	}
	if !set {
		q = resource.Quantity{}
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	if name == string(corev1.ResourceCPU) {
		return fmt.Sprint(int64(math.Ceil(float64(q.MilliValue()) / float64(divisor.MilliValue())))), nil
	}
	return fmt.Sprint(int64(math.Ceil(float64(q.Value()) / float64(divisor.Value())))), nil
}

func optional(b *bool) bool { return b != nil && *b }
