package servicelinks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// MasterNamespace and MasterName name the API's own Service, whose
// variables (KUBERNETES_SERVICE_HOST...) every container gets.
const (
	MasterNamespace = "default"
	MasterName      = "kubernetes"
)

// Env is what a container of pod gets from services (those of its
// namespace and the master Service; others are ignored), sorted by name.
// The container's own variables of the same names win: the caller adds
// these only where the container sets none.
func Env(pod *corev1.Pod, services []*corev1.Service) []corev1.EnvVar {
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	vars := map[string]string{}
	for _, svc := range services {
		master := svc.Namespace == MasterNamespace && svc.Name == MasterName
		if !hasClusterIP(svc) || !(master || (links && svc.Namespace == pod.Namespace)) {
			continue
		}
		for k, v := range ofService(svc) {
			vars[k] = v
		}
	}
	out := make([]corev1.EnvVar, 0, len(vars))
	for k, v := range vars {
		out = append(out, corev1.EnvVar{Name: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func hasClusterIP(svc *corev1.Service) bool {
	ip := svc.Spec.ClusterIP
	return ip != "" && ip != corev1.ClusterIPNone && len(svc.Spec.Ports) > 0
}

// ofService is one Service's variables, as the kubelet names them.
func ofService(svc *corev1.Service) map[string]string {
	name := envName(svc.Name)
	ip := svc.Spec.ClusterIP
	first := svc.Spec.Ports[0]
	vars := map[string]string{
		name + "_SERVICE_HOST": ip,
		name + "_SERVICE_PORT": strconv.Itoa(int(first.Port)),
		name + "_PORT":         link(first, ip),
	}
	for _, p := range svc.Spec.Ports {
		if p.Name != "" {
			vars[name+"_SERVICE_PORT_"+envName(p.Name)] = strconv.Itoa(int(p.Port))
		}
		proto := strings.ToUpper(protocol(p))
		prefix := fmt.Sprintf("%s_PORT_%d_%s", name, p.Port, proto)
		vars[prefix] = link(p, ip)
		vars[prefix+"_PROTO"] = strings.ToLower(proto)
		vars[prefix+"_PORT"] = strconv.Itoa(int(p.Port))
		vars[prefix+"_ADDR"] = ip
	}
	return vars
}

func protocol(p corev1.ServicePort) string {
	if p.Protocol == "" {
		return string(corev1.ProtocolTCP)
	}
	return string(p.Protocol)
}

// link is a Docker link's address: tcp://10.96.0.12:8080.
func link(p corev1.ServicePort, ip string) string {
	host := ip
	if strings.Contains(ip, ":") {
		host = "[" + ip + "]"
	}
	return fmt.Sprintf("%s://%s:%d", strings.ToLower(protocol(p)), host, p.Port)
}

// envName is a name as a variable name: upper case, '-' as '_'.
func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }
