package apis

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// errWrongType means a resource's printer was handed another kind.
var errWrongType = errors.New("object does not match its resource")

// Label keys kubectl reads a node's roles from.
const (
	nodeRolePrefix = "node-role.kubernetes.io/"
	nodeRoleLabel  = "kubernetes.io/role"
)

// maxEndpointsShown is how many addresses the ENDPOINTS column lists.
const maxEndpointsShown = 3

var (
	containersColumn = column("Containers", "string", "Names of each container in the template.", 1)
	imagesColumn     = column("Images", "string", "Images referenced by each container in the template.", 1)
)

var deploymentColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Ready", "string", "Number of the pod with ready state", 0),
	column("Up-to-date", "integer", appsv1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"], 0),
	column("Available", "integer", appsv1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"], 0),
	ageColumn,
	containersColumn,
	imagesColumn,
	column("Selector", "string", appsv1.DeploymentSpec{}.SwaggerDoc()["selector"], 1),
}

func deploymentCells(obj events.Object, now time.Time) ([]interface{}, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Deployment", errWrongType, obj)
	}
	sel, err := selectorString(d.Spec.Selector)
	if err != nil {
		return nil, err
	}
	names, images := containerNamesAndImages(&d.Spec.Template.Spec)
	return []interface{}{
		d.Name,
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicasOf(d.Spec.Replicas)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		age(d, now),
		names, images, sel,
	}, nil
}

var replicaSetColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Desired", "integer", appsv1.ReplicaSetSpec{}.SwaggerDoc()["replicas"], 0),
	column("Current", "integer", appsv1.ReplicaSetStatus{}.SwaggerDoc()["replicas"], 0),
	column("Ready", "integer", appsv1.ReplicaSetStatus{}.SwaggerDoc()["readyReplicas"], 0),
	ageColumn,
	containersColumn,
	imagesColumn,
	column("Selector", "string", appsv1.ReplicaSetSpec{}.SwaggerDoc()["selector"], 1),
}

func replicaSetCells(obj events.Object, now time.Time) ([]interface{}, error) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a ReplicaSet", errWrongType, obj)
	}
	sel, err := selectorString(rs.Spec.Selector)
	if err != nil {
		return nil, err
	}
	names, images := containerNamesAndImages(&rs.Spec.Template.Spec)
	return []interface{}{
		rs.Name,
		int64(replicasOf(rs.Spec.Replicas)),
		int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas),
		age(rs, now),
		names, images, sel,
	}, nil
}

// replicasOf reads spec.replicas, which Kubernetes defaults to 1.
func replicasOf(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func selectorString(sel *metav1.LabelSelector) (string, error) {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "", fmt.Errorf("selector: %w", err)
	}
	return s.String(), nil
}

func containerNamesAndImages(spec *corev1.PodSpec) (string, string) {
	names := make([]string, len(spec.Containers))
	images := make([]string, len(spec.Containers))
	for i, c := range spec.Containers {
		names[i], images[i] = c.Name, c.Image
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}

var serviceColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Type", "string", "The type of service.", 0),
	column("Cluster-IP", "string", corev1.ServiceSpec{}.SwaggerDoc()["clusterIP"], 0),
	column("External-IP", "string", corev1.ServiceSpec{}.SwaggerDoc()["externalIPs"], 0),
	column("Port(s)", "string", corev1.ServiceSpec{}.SwaggerDoc()["ports"], 0),
	ageColumn,
	column("Selector", "string", corev1.ServiceSpec{}.SwaggerDoc()["selector"], 1),
}

func serviceCells(obj events.Object, now time.Time) ([]interface{}, error) {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Service", errWrongType, obj)
	}
	ports := make([]string, len(svc.Spec.Ports))
	for i, p := range svc.Spec.Ports {
		ports[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		if p.NodePort > 0 {
			ports[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		}
	}
	return []interface{}{
		svc.Name,
		string(svc.Spec.Type),
		orNone(svc.Spec.ClusterIP),
		serviceExternalIP(svc),
		orNone(strings.Join(ports, ",")),
		age(svc, now),
		labels.FormatLabels(svc.Spec.Selector),
	}, nil
}

// serviceExternalIP is kubectl's EXTERNAL-IP: external IPs, load balancer
// ingress (or <pending>), or the external name.
func serviceExternalIP(svc *corev1.Service) string {
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		return orNone(strings.Join(svc.Spec.ExternalIPs, ","))
	case corev1.ServiceTypeLoadBalancer:
		var ips []string
		for _, in := range svc.Status.LoadBalancer.Ingress {
			switch {
			case in.IP != "":
				ips = append(ips, in.IP)
			case in.Hostname != "":
				ips = append(ips, in.Hostname)
			}
		}
		ips = append(ips, svc.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return pending
		}
		return strings.Join(ips, ",")
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	return unknown
}

var endpointsColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Endpoints", "string", corev1.Endpoints{}.SwaggerDoc()["subsets"], 0),
	ageColumn,
}

func endpointsCells(obj events.Object, now time.Time) ([]interface{}, error) {
	ep, ok := obj.(*corev1.Endpoints)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not an Endpoints", errWrongType, obj)
	}
	return []interface{}{ep.Name, formatEndpoints(ep.Subsets), age(ep, now)}, nil
}

// formatEndpoints lists ready ip:port pairs, at most three, then how many
// more there are, as kubectl does.
func formatEndpoints(subsets []corev1.EndpointSubset) string {
	var shown []string
	total := 0
	add := func(s string) {
		total++
		if len(shown) < maxEndpointsShown {
			shown = append(shown, s)
		}
	}
	for _, ss := range subsets {
		if len(ss.Ports) == 0 {
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, p := range ss.Ports {
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	out := orNone(strings.Join(shown, ","))
	if total > len(shown) {
		out = fmt.Sprintf("%s + %d more...", out, total-len(shown))
	}
	return out
}

var nodeColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Status", "string", "The status of the node", 0),
	column("Roles", "string", "The roles of the node", 0),
	ageColumn,
	column("Version", "string", corev1.NodeSystemInfo{}.SwaggerDoc()["kubeletVersion"], 0),
	column("Internal-IP", "string", corev1.NodeStatus{}.SwaggerDoc()["addresses"], 1),
	column("External-IP", "string", corev1.NodeStatus{}.SwaggerDoc()["addresses"], 1),
	column("OS-Image", "string", corev1.NodeSystemInfo{}.SwaggerDoc()["osImage"], 1),
	column("Kernel-Version", "string", corev1.NodeSystemInfo{}.SwaggerDoc()["kernelVersion"], 1),
	column("Container-Runtime", "string", corev1.NodeSystemInfo{}.SwaggerDoc()["containerRuntimeVersion"], 1),
}

func nodeCells(obj events.Object, now time.Time) ([]interface{}, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Node", errWrongType, obj)
	}
	info := n.Status.NodeInfo
	return []interface{}{
		n.Name,
		nodeStatus(n),
		nodeRoles(n.Labels),
		age(n, now),
		info.KubeletVersion,
		nodeAddress(n, corev1.NodeInternalIP),
		nodeAddress(n, corev1.NodeExternalIP),
		orUnknown(info.OSImage),
		orUnknown(info.KernelVersion),
		orUnknown(info.ContainerRuntimeVersion),
	}, nil
}

// nodeStatus is Ready, NotReady or Unknown, plus SchedulingDisabled when
// the node is cordoned.
func nodeStatus(n *corev1.Node) string {
	var status []string
	for _, c := range n.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		if c.Status == corev1.ConditionTrue {
			status = append(status, string(c.Type))
		} else {
			status = append(status, "Not"+string(c.Type))
		}
		break
	}
	if len(status) == 0 {
		status = append(status, "Unknown")
	}
	if n.Spec.Unschedulable {
		status = append(status, "SchedulingDisabled")
	}
	return strings.Join(status, ",")
}

func nodeRoles(l map[string]string) string {
	var roles []string
	seen := map[string]bool{}
	addRole := func(r string) {
		if r != "" && !seen[r] {
			seen[r] = true
			roles = append(roles, r)
		}
	}
	for k, v := range l {
		switch {
		case strings.HasPrefix(k, nodeRolePrefix):
			addRole(strings.TrimPrefix(k, nodeRolePrefix))
		case k == nodeRoleLabel:
			addRole(v)
		}
	}
	sort.Strings(roles)
	return orNone(strings.Join(roles, ","))
}

func nodeAddress(n *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return none
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}

var namespaceColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Status", "string", "The status of the namespace", 0),
	ageColumn,
}

func namespaceCells(obj events.Object, now time.Time) ([]interface{}, error) {
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Namespace", errWrongType, obj)
	}
	return []interface{}{ns.Name, string(ns.Status.Phase), age(ns, now)}, nil
}
