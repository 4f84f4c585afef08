package gateway

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// The resource metrics API, as metrics-server serves it (kubectl top): the
// latest usage report of each node agent (events.NodeUsage, core NATS),
// joined with the projection's nodes and pods, so that only live objects
// with their current labels are listed. Reports are gauges, not history:
// nothing here is in the log, and the past is not served.

// usageStale is how old a node's last report may be before the node and
// its pods drop out of the metrics (four missed 15 s reports).
const usageStale = time.Minute

// usageReports holds the latest usage report of each node.
type usageReports struct {
	mu     sync.RWMutex
	byNode map[string]nodeUsageReport
}

type nodeUsageReport struct {
	received time.Time
	usage    *events.NodeUsage
}

func (u *usageReports) put(node string, r *events.NodeUsage) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.byNode == nil {
		u.byNode = map[string]nodeUsageReport{}
	}
	u.byNode[node] = nodeUsageReport{received: time.Now(), usage: r}
}

// fresh is node's last report, if recent enough.
func (u *usageReports) fresh(node string) (*events.NodeUsage, bool) {
	u.mu.RLock()
	defer u.mu.RUnlock()
	r, ok := u.byNode[node]
	if !ok || time.Since(r.received) > usageStale {
		return nil, false
	}
	return r.usage, true
}

// nodePods is a node's fresh report with its pods by UID (none when the
// node's report is missing or stale).
type nodePods struct {
	report *events.NodeUsage
	pods   map[string]*events.PodUsage
}

func (u *usageReports) podsOf(node string) nodePods {
	r, ok := u.fresh(node)
	if !ok {
		return nodePods{}
	}
	np := nodePods{report: r, pods: make(map[string]*events.PodUsage, len(r.Pods))}
	for i := range r.Pods {
		np.pods[r.Pods[i].UID] = &r.Pods[i]
	}
	return np
}

// subscribeUsage keeps s.usage current until the gateway stops.
func (s *Server) subscribeUsage() error {
	stop, err := s.log.SubscribeUsage(func(node string, u *events.NodeUsage, err error) {
		if err != nil {
			s.logger.WithField("node", node).WithError(err).Warn("usage report dropped")
			return
		}
		s.usage.put(node, u)
	})
	if err != nil {
		return err
	}
	context.AfterFunc(s.running, stop)
	return nil
}

// serveMetrics answers GET (get and list) under
// /apis/metrics.k8s.io/v1beta1: nodes, nodes/{name}, pods,
// namespaces/{ns}/pods, namespaces/{ns}/pods/{name}.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request, rest []string) {
	var resourceName, namespace, name string
	switch {
	case len(rest) >= 3 && rest[0] == "namespaces" && rest[2] == "pods" && len(rest) <= 4:
		resourceName, namespace = "pods", rest[1]
		if len(rest) == 4 {
			name = rest[3]
		}
	case (rest[0] == "pods" || rest[0] == "nodes") && len(rest) <= 2:
		resourceName = rest[0]
		if len(rest) == 2 {
			if rest[0] == "pods" {
				writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
				return
			}
			name = rest[1]
		}
	default:
		writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
		return
	}
	gr := schema.GroupResource{Group: apis.MetricsGroup, Resource: resourceName}
	rec := s.metrics.start(w, "get", resourceName)
	defer rec.done()
	w = rec
	if r.Method != http.MethodGet || isWatch(r) {
		writeError(w, apierrors.NewMethodNotSupported(gr, verbOf(r.Method, target{name: name}, isWatch(r))))
		return
	}
	sel, err := labels.Parse(r.URL.Query().Get("labelSelector"))
	if err != nil {
		writeError(w, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err)))
		return
	}
	if resourceName == "nodes" {
		s.serveNodeMetrics(w, gr, name, sel)
		return
	}
	s.servePodMetrics(w, gr, namespace, name, sel)
}

func (s *Server) serveNodeMetrics(w http.ResponseWriter, gr schema.GroupResource, name string, sel labels.Selector) {
	list := &metricsv1beta1.NodeMetricsList{TypeMeta: metav1.TypeMeta{Kind: "NodeMetricsList", APIVersion: apis.MetricsGroupVersion},
		Items: []metricsv1beta1.NodeMetrics{}}
	for _, e := range s.proj.State().List("nodes", "", sel) {
		if name != "" && e.Name != name {
			continue
		}
		u, ok := s.usage.fresh(e.Name)
		if !ok || u.Node == nil {
			continue
		}
		list.Items = append(list.Items, metricsv1beta1.NodeMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: e.Name, Labels: e.Object.GetLabels(), CreationTimestamp: metav1.Now()},
			Timestamp:  metav1.NewTime(time.Unix(0, u.Time)), Window: window(u), Usage: usageList(*u.Node)})
	}
	writeMetrics(w, gr, name, "NodeMetrics", list, list.Items, func(m *metricsv1beta1.NodeMetrics) *metav1.TypeMeta { return &m.TypeMeta })
}

func (s *Server) servePodMetrics(w http.ResponseWriter, gr schema.GroupResource, namespace, name string, sel labels.Selector) {
	list := &metricsv1beta1.PodMetricsList{TypeMeta: metav1.TypeMeta{Kind: "PodMetricsList", APIVersion: apis.MetricsGroupVersion},
		Items: []metricsv1beta1.PodMetrics{}}
	var pods []*projections.Entry
	if name != "" {
		if e := s.proj.State().Live("pods", namespace, name); e != nil {
			pods = append(pods, e)
		}
	} else {
		pods = s.proj.State().List("pods", namespace, sel)
	}
	byNode := map[string]nodePods{} // each node's report, indexed once
	for _, e := range pods {
		pod := e.Object.(*corev1.Pod)
		if pod.Spec.NodeName == "" {
			continue
		}
		np, ok := byNode[pod.Spec.NodeName]
		if !ok {
			np = s.usage.podsOf(pod.Spec.NodeName)
			byNode[pod.Spec.NodeName] = np
		}
		pu := np.pods[string(pod.UID)]
		if pu == nil {
			continue
		}
		m := metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, Labels: pod.Labels, CreationTimestamp: metav1.Now()},
			Timestamp:  metav1.NewTime(time.Unix(0, np.report.Time)), Window: window(np.report),
			Containers: []metricsv1beta1.ContainerMetrics{}}
		for _, c := range pu.Containers {
			m.Containers = append(m.Containers, metricsv1beta1.ContainerMetrics{Name: c.Name, Usage: usageList(c.Usage)})
		}
		list.Items = append(list.Items, m)
	}
	writeMetrics(w, gr, name, "PodMetrics", list, list.Items, func(m *metricsv1beta1.PodMetrics) *metav1.TypeMeta { return &m.TypeMeta })
}

// writeMetrics answers a list with list, a get of name with its one item
// (items holds at most that one) as kind, or NotFound.
func writeMetrics[T any](w http.ResponseWriter, gr schema.GroupResource, name, kind string, list any, items []T, meta func(*T) *metav1.TypeMeta) {
	if name == "" {
		writeJSON(w, http.StatusOK, list)
		return
	}
	if len(items) == 0 {
		writeError(w, apierrors.NewNotFound(gr, name))
		return
	}
	m := items[0]
	tm := meta(&m)
	*tm = metav1.TypeMeta{Kind: kind, APIVersion: apis.MetricsGroupVersion}
	writeJSON(w, http.StatusOK, &m)
}

// window is a report's window as a Duration.
func window(u *events.NodeUsage) metav1.Duration {
	return metav1.Duration{Duration: time.Duration(u.WindowSeconds * float64(time.Second))}
}

// usageList is a usage as Kubernetes quantities: CPU in nanocores (shown
// by kubectl as millicores), memory in bytes.
func usageList(u events.Usage) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewScaledQuantity(int64(u.NanoCores), resource.Nano),
		corev1.ResourceMemory: *resource.NewQuantity(int64(u.MemoryBytes), resource.BinarySI),
	}
}
