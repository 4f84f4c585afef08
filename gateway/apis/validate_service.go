package apis

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The default --service-node-port-range of kube-apiserver.
const (
	minNodePort = 30000
	maxNodePort = 32767
)

var (
	serviceTypes = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName,
		corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort}
	sessionAffinities = []corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}
)

func validateServiceSpec(spec *corev1.ServiceSpec, path *field.Path) field.ErrorList {
	errs := oneOf(spec.Type, serviceTypes, path.Child("type"))
	errs = append(errs, oneOf(spec.SessionAffinity, sessionAffinities, path.Child("sessionAffinity"))...)
	headless := spec.ClusterIP == corev1.ClusterIPNone
	if spec.Type == corev1.ServiceTypeExternalName {
		errs = append(errs, validateExternalName(spec, path)...)
	} else if len(spec.Ports) == 0 && !headless {
		errs = append(errs, field.Required(path.Child("ports"), ""))
	}
	if spec.ClusterIP != "" && !headless {
		errs = append(errs, validation.IsValidIP(path.Child("clusterIP"), spec.ClusterIP)...)
	}
	for i, ip := range spec.ExternalIPs {
		errs = append(errs, validation.IsValidIP(path.Child("externalIPs").Index(i), ip)...)
	}
	errs = append(errs, validateLabels(spec.Selector, path.Child("selector"))...)
	errs = append(errs, validateServicePorts(spec, path.Child("ports"))...)
	return errs
}

func validateExternalName(spec *corev1.ServiceSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.ClusterIP != "" {
		errs = append(errs, field.Forbidden(path.Child("clusterIP"), "may not be set for ExternalName services"))
	}
	name := strings.TrimSuffix(spec.ExternalName, ".")
	if name == "" {
		return append(errs, field.Required(path.Child("externalName"), ""))
	}
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(path.Child("externalName"), spec.ExternalName, msg))
	}
	return errs
}

func validateServicePorts(spec *corev1.ServiceSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	portKeys := sets.New[string]()
	nodePorts := sets.New[int32]()
	for i, port := range spec.Ports {
		p := path.Index(i)
		errs = append(errs, validatePortNameNumber(port.Name, port.Port, port.Protocol, len(spec.Ports), names, p)...)
		errs = append(errs, portNumberOrName(port.TargetPort, p.Child("targetPort"))...)
		key := fmt.Sprintf("%d/%s", port.Port, port.Protocol)
		if portKeys.Has(key) {
			errs = append(errs, field.Duplicate(p, key))
		}
		portKeys.Insert(key)
		errs = append(errs, validateNodePort(spec.Type, port.NodePort, nodePorts, p.Child("nodePort"))...)
	}
	return errs
}

// validatePortNameNumber checks one port of a list as Services and
// Endpoints subsets both require: a DNS label name unique in the list (and
// required when the list has several), a port number and a protocol.
func validatePortNameNumber(name string, port int32, protocol corev1.Protocol, ofPorts int, names sets.Set[string], p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case name == "" && ofPorts > 1:
		errs = append(errs, field.Required(p.Child("name"), ""))
	case name != "":
		for _, msg := range validation.IsDNS1123Label(name) {
			errs = append(errs, field.Invalid(p.Child("name"), name, msg))
		}
		if names.Has(name) {
			errs = append(errs, field.Duplicate(p.Child("name"), name))
		}
		names.Insert(name)
	}
	errs = append(errs, portNumber(int(port), p.Child("port"))...)
	return append(errs, oneOf(protocol, protocols, p.Child("protocol"))...)
}

func validateNodePort(typ corev1.ServiceType, nodePort int32, seen sets.Set[int32], path *field.Path) field.ErrorList {
	if nodePort == 0 {
		return nil
	}
	if typ == corev1.ServiceTypeClusterIP || typ == corev1.ServiceTypeExternalName {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("may not be used when `type` is '%s'", typ))}
	}
	var errs field.ErrorList
	if nodePort < minNodePort || nodePort > maxNodePort {
		errs = append(errs, field.Invalid(path, nodePort, fmt.Sprintf(
			"provided port is not in the valid range. The range of valid ports is %d-%d", minNodePort, maxNodePort)))
	}
	if seen.Has(nodePort) {
		errs = append(errs, field.Duplicate(path, nodePort))
	}
	seen.Insert(nodePort)
	return errs
}

// validateServiceUpdate keeps an allocated cluster IP, as Kubernetes does.
func validateServiceUpdate(svc, old *corev1.Service) field.ErrorList {
	if svc.Spec.Type == corev1.ServiceTypeExternalName || old.Spec.Type == corev1.ServiceTypeExternalName ||
		old.Spec.ClusterIP == "" {
		return nil
	}
	return apimachineryvalidation.ValidateImmutableField(svc.Spec.ClusterIP, old.Spec.ClusterIP, field.NewPath("spec", "clusterIP"))
}

// validateEndpointSubsets checks addresses and ports. Unlike Kubernetes,
// loopback addresses are allowed: the process runtime gives each pod one.
func validateEndpointSubsets(subsets []corev1.EndpointSubset, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ss := range subsets {
		p := path.Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, field.Required(p, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j, a := range ss.Addresses {
			errs = append(errs, validateEndpointAddress(a, p.Child("addresses").Index(j))...)
		}
		for j, a := range ss.NotReadyAddresses {
			errs = append(errs, validateEndpointAddress(a, p.Child("notReadyAddresses").Index(j))...)
		}
		names := sets.New[string]()
		for j, port := range ss.Ports {
			errs = append(errs, validatePortNameNumber(port.Name, port.Port, port.Protocol, len(ss.Ports),
				names, p.Child("ports").Index(j))...)
		}
	}
	return errs
}

func validateEndpointAddress(a corev1.EndpointAddress, path *field.Path) field.ErrorList {
	errs := validation.IsValidIPForLegacyField(path.Child("ip"), a.IP, false, nil)
	if a.NodeName != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*a.NodeName) {
			errs = append(errs, field.Invalid(path.Child("nodeName"), *a.NodeName, msg))
		}
	}
	if a.Hostname != "" {
		for _, msg := range validation.IsDNS1123Label(a.Hostname) {
			errs = append(errs, field.Invalid(path.Child("hostname"), a.Hostname, msg))
		}
	}
	return errs
}
