package apis

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var endpointSliceColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("AddressType", "string", "The type of addresses", 0),
	column("Ports", "string", "The ports of the slice", 0),
	column("Endpoints", "string", "The first addresses of the slice", 0),
	ageColumn,
}

func endpointSliceCells(obj events.Object, now time.Time) ([]interface{}, error) {
	sl, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return nil, fmt.Errorf("endpointslice table: %T", obj)
	}
	var ports []string
	for _, p := range sl.Ports {
		if p.Port != nil {
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		}
	}
	var addrs []string
	for _, e := range sl.Endpoints {
		addrs = append(addrs, e.Addresses...)
	}
	shown := addrs
	if len(shown) > 3 {
		shown = shown[:3]
	}
	list := strings.Join(shown, ",")
	if len(addrs) > 3 {
		list += fmt.Sprintf(" + %d more...", len(addrs)-3)
	}
	if list == "" {
		list = unset
	}
	portList := strings.Join(ports, ",")
	if portList == "" {
		portList = unset
	}
	return []interface{}{sl.Name, string(sl.AddressType), portList, list, age(sl, now)}, nil
}

const unset = "<unset>"

var ingressColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Class", "string", "The ingress class", 0),
	column("Hosts", "string", "The hosts the rules match", 0),
	column("Address", "string", "Where the ingress is served", 0),
	column("Ports", "string", "The ports it is served on", 0),
	ageColumn,
}

func ingressCells(obj events.Object, now time.Time) ([]interface{}, error) {
	ing, ok := obj.(*networkingv1.Ingress)
	if !ok {
		return nil, fmt.Errorf("ingress table: %T", obj)
	}
	class := "<none>"
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	var hosts []string
	for _, r := range ing.Spec.Rules {
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	h := "*"
	if len(hosts) > 0 {
		h = strings.Join(hosts, ",")
	}
	var addrs []string
	for _, in := range ing.Status.LoadBalancer.Ingress {
		addrs = append(addrs, in.IP+in.Hostname)
	}
	return []interface{}{ing.Name, class, h, strings.Join(addrs, ","), "80", age(ing, now)}, nil
}
