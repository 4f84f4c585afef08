package apis

import (
	"fmt"

	"github.com/jetplane/jetplane/defaulting"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var validateLabels = metav1validation.ValidateLabels

var (
	restartPolicies = []corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}
	dnsPolicies     = []corev1.DNSPolicy{corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone}
	protocols       = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}
	pullPolicies    = []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}
	taintEffects    = []corev1.TaintEffect{corev1.TaintEffectNoExecute, corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule}
	tolerationOps   = []corev1.TolerationOperator{corev1.TolerationOpEqual, corev1.TolerationOpExists}
)

// podUpdateMessage is Kubernetes' answer to a pod update that changes a
// field other than the few it allows.
const podUpdateMessage = "pod updates may not change fields other than `spec.containers[*].image`," +
	"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`," +
	"`spec.tolerations` (only additions to existing tolerations)," +
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

// MaxContainers bounds a pod's containers and init containers together.
const MaxContainers = 100

// validatePodSpec checks a pod's spec, or a pod template's at path.
func validatePodSpec(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"), ""))
	}
	// A bound Kubernetes leaves to etcd's object size: one pod of thousands
	// of containers would cost every node agent and the scheduler dearly.
	if n := len(spec.Containers) + len(spec.InitContainers); n > MaxContainers {
		errs = append(errs, field.TooMany(path.Child("containers"), n, MaxContainers))
	}
	errs = append(errs, validateContainers(spec.InitContainers, names, path.Child("initContainers"))...)
	errs = append(errs, validateContainers(spec.Containers, names, path.Child("containers"))...)
	errs = append(errs, oneOf(spec.RestartPolicy, restartPolicies, path.Child("restartPolicy"))...)
	errs = append(errs, oneOf(spec.DNSPolicy, dnsPolicies, path.Child("dnsPolicy"))...)
	errs = append(errs, validateLabels(spec.NodeSelector, path.Child("nodeSelector"))...)
	if spec.TerminationGracePeriodSeconds != nil {
		errs = append(errs, nonNegative(*spec.TerminationGracePeriodSeconds, path.Child("terminationGracePeriodSeconds"))...)
	}
	if s := spec.ActiveDeadlineSeconds; s != nil && *s < 1 {
		errs = append(errs, field.Invalid(path.Child("activeDeadlineSeconds"), *s,
			validation.InclusiveRangeError(1, 2147483647)))
	}
	if spec.NodeName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(spec.NodeName) {
			errs = append(errs, field.Invalid(path.Child("nodeName"), spec.NodeName, msg))
		}
	}
	for i, t := range spec.Tolerations {
		errs = append(errs, validateToleration(t, path.Child("tolerations").Index(i))...)
	}
	return errs
}

// validateContainers checks each container; names must be unique across
// init and app containers, so the set is shared.
func validateContainers(cs []corev1.Container, names sets.Set[string], path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range cs {
		c, p := &cs[i], path.Index(i)
		switch {
		case c.Name == "":
			errs = append(errs, field.Required(p.Child("name"), ""))
		case names.Has(c.Name):
			errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
		default:
			for _, msg := range validation.IsDNS1123Label(c.Name) {
				errs = append(errs, field.Invalid(p.Child("name"), c.Name, msg))
			}
		}
		names.Insert(c.Name)
		if c.Image == "" {
			errs = append(errs, field.Required(p.Child("image"), ""))
		}
		if c.ImagePullPolicy != "" {
			errs = append(errs, oneOf(c.ImagePullPolicy, pullPolicies, p.Child("imagePullPolicy"))...)
		}
		errs = append(errs, validateContainerPorts(c.Ports, p.Child("ports"))...)
		errs = append(errs, validateEnv(c.Env, p.Child("env"))...)
		errs = append(errs, validateResources(&c.Resources, p.Child("resources"))...)
		errs = append(errs, validateProbe(c.LivenessProbe, true, p.Child("livenessProbe"))...)
		errs = append(errs, validateProbe(c.ReadinessProbe, false, p.Child("readinessProbe"))...)
		errs = append(errs, validateProbe(c.StartupProbe, true, p.Child("startupProbe"))...)
	}
	return errs
}

func validateContainerPorts(ports []corev1.ContainerPort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, port := range ports {
		p := path.Index(i)
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(p.Child("name"), port.Name, msg))
			}
			if names.Has(port.Name) {
				errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
			}
			names.Insert(port.Name)
		}
		if port.ContainerPort == 0 {
			errs = append(errs, field.Required(p.Child("containerPort"), ""))
		} else {
			errs = append(errs, portNumber(int(port.ContainerPort), p.Child("containerPort"))...)
		}
		if port.HostPort != 0 {
			errs = append(errs, portNumber(int(port.HostPort), p.Child("hostPort"))...)
		}
		errs = append(errs, oneOf(port.Protocol, protocols, p.Child("protocol"))...)
	}
	return errs
}

func portNumber(port int, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(port) {
		errs = append(errs, field.Invalid(path, port, msg))
	}
	return errs
}

// portNumberOrName checks an IntOrString port such as targetPort.
func portNumberOrName(port intstr.IntOrString, path *field.Path) field.ErrorList {
	if port.Type == intstr.String {
		var errs field.ErrorList
		for _, msg := range validation.IsValidPortName(port.StrVal) {
			errs = append(errs, field.Invalid(path, port.StrVal, msg))
		}
		return errs
	}
	return portNumber(int(port.IntVal), path)
}

func validateEnv(env []corev1.EnvVar, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, e := range env {
		p := path.Index(i).Child("name")
		if e.Name == "" {
			errs = append(errs, field.Required(p, ""))
			continue
		}
		for _, msg := range validation.IsRelaxedEnvVarName(e.Name) {
			errs = append(errs, field.Invalid(p, e.Name, msg))
		}
	}
	return errs
}

// validateResources checks quantities are not negative and requests do not
// exceed limits, with Kubernetes' paths and messages.
func validateResources(r *corev1.ResourceRequirements, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	limPath, reqPath := path.Child("limits"), path.Child("requests")
	for name, q := range r.Limits {
		errs = append(errs, nonNegativeQuantity(q, limPath.Key(string(name)))...)
	}
	for name, q := range r.Requests {
		errs = append(errs, nonNegativeQuantity(q, reqPath.Key(string(name)))...)
		if lim, ok := r.Limits[name]; ok && q.Cmp(lim) > 0 {
			errs = append(errs, field.Invalid(reqPath, q.String(),
				fmt.Sprintf("must be less than or equal to %s limit of %s", name, lim.String())))
		}
	}
	return errs
}

func nonNegativeQuantity(q resource.Quantity, path *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(path, q.String(), "must be greater than or equal to 0")}
	}
	return nil
}

// validateProbe checks that a probe has exactly one handler and sane
// thresholds; liveness and startup probes must succeed once.
func validateProbe(probe *corev1.Probe, successMustBeOne bool, path *field.Path) field.ErrorList {
	if probe == nil {
		return nil
	}
	var errs field.ErrorList
	handlers := 0
	if h := probe.Exec; h != nil {
		handlers++
		if len(h.Command) == 0 {
			errs = append(errs, field.Required(path.Child("exec", "command"), ""))
		}
	}
	if h := probe.HTTPGet; h != nil {
		handlers++
		errs = append(errs, portNumberOrName(h.Port, path.Child("httpGet", "port"))...)
		if h.Scheme != corev1.URISchemeHTTP && h.Scheme != corev1.URISchemeHTTPS {
			errs = append(errs, field.NotSupported(path.Child("httpGet", "scheme"), h.Scheme, []string{"HTTP", "HTTPS"}))
		}
	}
	if h := probe.TCPSocket; h != nil {
		handlers++
		errs = append(errs, portNumberOrName(h.Port, path.Child("tcpSocket", "port"))...)
	}
	if probe.GRPC != nil {
		handlers++
		errs = append(errs, portNumber(int(probe.GRPC.Port), path.Child("grpc", "port"))...)
	}
	switch {
	case handlers == 0:
		errs = append(errs, field.Required(path, "must specify a handler type"))
	case handlers > 1:
		errs = append(errs, field.Forbidden(path, "may not specify more than 1 handler type"))
	}
	errs = append(errs, nonNegative(probe.InitialDelaySeconds, path.Child("initialDelaySeconds"))...)
	errs = append(errs, nonNegative(probe.TimeoutSeconds, path.Child("timeoutSeconds"))...)
	errs = append(errs, nonNegative(probe.PeriodSeconds, path.Child("periodSeconds"))...)
	errs = append(errs, nonNegative(probe.SuccessThreshold, path.Child("successThreshold"))...)
	errs = append(errs, nonNegative(probe.FailureThreshold, path.Child("failureThreshold"))...)
	if successMustBeOne && probe.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(path.Child("successThreshold"), probe.SuccessThreshold, "must be 1"))
	}
	return errs
}

func validateToleration(t corev1.Toleration, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Key != "" {
		errs = append(errs, metav1validation.ValidateLabelName(t.Key, path.Child("key"))...)
	}
	if t.Operator != "" {
		errs = append(errs, oneOf(t.Operator, tolerationOps, path.Child("operator"))...)
	}
	if t.Key == "" && t.Operator != corev1.TolerationOpExists {
		errs = append(errs, field.Invalid(path.Child("operator"), t.Operator,
			"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
	}
	if t.Operator == corev1.TolerationOpExists && t.Value != "" {
		errs = append(errs, field.Invalid(path.Child("operator"), t.Value, "value must be empty when `operator` is 'Exists'"))
	}
	if t.Effect != "" {
		errs = append(errs, oneOf(t.Effect, taintEffects, path.Child("effect"))...)
	}
	return errs
}

// validatePodUpdate allows, as Kubernetes does, only image changes, a
// shorter activeDeadlineSeconds and added tolerations; anything else in the
// spec is forbidden.
func validatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if nd, od := pod.Spec.ActiveDeadlineSeconds, old.Spec.ActiveDeadlineSeconds; od != nil {
		switch {
		case nd == nil:
			errs = append(errs, field.Invalid(spec.Child("activeDeadlineSeconds"), nd,
				"must not update from a positive integer to nil value"))
		case *nd > *od:
			errs = append(errs, field.Invalid(spec.Child("activeDeadlineSeconds"), *nd,
				"must be less than or equal to previous value"))
		}
	}
	if !tolerationsOnlyAdded(old.Spec.Tolerations, pod.Spec.Tolerations) {
		errs = append(errs, field.Forbidden(spec.Child("tolerations"), "existing toleration can not be modified except its tolerationSeconds"))
	}
	if len(errs) > 0 {
		return errs
	}
	// Copy the allowed changes onto the old spec; what still differs is
	// forbidden. The old spec is defaulted first, as Kubernetes defaults
	// objects read from storage: one stored before a default existed must
	// not turn every later update into a forbidden spec change.
	mutated := *old.Spec.DeepCopy()
	defaulting.PodSpec(&mutated)
	if len(mutated.Containers) == len(pod.Spec.Containers) {
		for i := range mutated.Containers {
			mutated.Containers[i].Image = pod.Spec.Containers[i].Image
		}
	}
	if len(mutated.InitContainers) == len(pod.Spec.InitContainers) {
		for i := range mutated.InitContainers {
			mutated.InitContainers[i].Image = pod.Spec.InitContainers[i].Image
		}
	}
	mutated.ActiveDeadlineSeconds = pod.Spec.ActiveDeadlineSeconds
	mutated.Tolerations = pod.Spec.Tolerations
	if g := old.Spec.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		if n := pod.Spec.TerminationGracePeriodSeconds; n != nil && *n == 1 {
			mutated.TerminationGracePeriodSeconds = n
		}
	}
	if !apiequality.Semantic.DeepEqual(mutated, pod.Spec) {
		errs = append(errs, field.Forbidden(spec, podUpdateMessage))
	}
	return errs
}

// tolerationsOnlyAdded reports whether every old toleration is still
// present (tolerationSeconds may change).
func tolerationsOnlyAdded(old, cur []corev1.Toleration) bool {
	for _, o := range old {
		found := false
		for _, c := range cur {
			if o.Key == c.Key && o.Operator == c.Operator && o.Value == c.Value && o.Effect == c.Effect {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
