package restriction

import (
	"fmt"
	"strings"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Report is one change a node asks for, with what is stored now.
type Report struct {
	Node     string // from the subject the node published on
	Resource string
	Change   string
	Object   events.Object // the object after the change
	Stored   events.Object // the live stored object, nil when none
}

// restrictedLabelPrefix is the label domain a node may not set on itself.
const restrictedLabelPrefix = "node-restriction.kubernetes.io/"

// podStatusChanges are the pod changes a node reports.
var podStatusChanges = map[string]bool{
	events.StatusChange: true, "running": true, "ready": true, "unready": true, "waiting": true,
	"succeeded": true, "failed": true,
}

// Check returns nil when r may be appended, else why not (matching
// events.ErrReportRejected).
func Check(r Report) error {
	switch r.Resource {
	case "nodes":
		return checkNode(r)
	case "pods":
		return checkPod(r)
	}
	return refuse("node %q may not write %s", r.Node, r.Resource)
}

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", events.ErrReportRejected, fmt.Sprintf(format, args...))
}

func checkNode(r Report) error {
	node, ok := r.Object.(*corev1.Node)
	if !ok {
		return refuse("a nodes report without a Node")
	}
	if node.Name != r.Node {
		return refuse("node %q is not allowed to modify node %q", r.Node, node.Name)
	}
	if r.Change == events.Deleted {
		return refuse("node %q is not allowed to delete itself", r.Node)
	}
	for k := range node.Labels {
		if strings.HasPrefix(k, restrictedLabelPrefix) && (r.Stored == nil || r.Stored.GetLabels()[k] != node.Labels[k]) {
			return refuse("node %q is not allowed to modify labels: %s", r.Node, k)
		}
	}
	stored, _ := r.Stored.(*corev1.Node)
	if stored == nil {
		if r.Change != events.Created {
			return refuse("node %q does not exist", r.Node)
		}
		if node.DeletionTimestamp != nil || len(node.Finalizers) > 0 || len(node.OwnerReferences) > 0 || node.Namespace != "" {
			return refuse("node %q may register itself only as a plain Node", r.Node)
		}
		return nil
	}
	if r.Change == events.Created {
		return refuse("node %q already exists", r.Node)
	}
	if !apiequality.Semantic.DeepEqual(node.Spec.Taints, stored.Spec.Taints) {
		return refuse("node %q is not allowed to modify taints", r.Node)
	}
	for _, k := range changedLabels(stored.Labels, node.Labels) {
		if strings.HasPrefix(k, restrictedLabelPrefix) {
			return refuse("node %q is not allowed to modify labels: %s", r.Node, k)
		}
	}
	// Its labels and annotations are the node's to say; who it is, and
	// its lifecycle, are not.
	if !apiequality.Semantic.DeepEqual(identityMeta(node.ObjectMeta), identityMeta(stored.ObjectMeta)) {
		return refuse("node %q may not change its metadata but labels and annotations", r.Node)
	}
	return nil
}

// identityMeta is a Node's metadata without what its agent may change.
func identityMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	m = comparableMeta(m)
	m.Labels, m.Annotations = nil, nil
	return m
}

func changedLabels(old, now map[string]string) []string {
	var out []string
	for k, v := range now {
		if ov, ok := old[k]; !ok || ov != v {
			out = append(out, k)
		}
	}
	for k := range old {
		if _, ok := now[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func checkPod(r Report) error {
	pod, ok := r.Object.(*corev1.Pod)
	if !ok {
		return refuse("a pods report without a Pod")
	}
	stored, _ := r.Stored.(*corev1.Pod)
	if stored == nil {
		return refuse("node %q can only update the status of existing pods (%s/%s does not exist)",
			r.Node, pod.Namespace, pod.Name)
	}
	if stored.Spec.NodeName != r.Node {
		return refuse("node %q can only update pod status for pods with spec.nodeName set to itself (%s/%s is on %q)",
			r.Node, pod.Namespace, pod.Name, stored.Spec.NodeName)
	}
	switch {
	case r.Change == events.Deleted:
		if stored.DeletionTimestamp == nil {
			return refuse("node %q can only finish deleting pods being deleted (%s/%s is not)", r.Node, pod.Namespace, pod.Name)
		}
	case !podStatusChanges[r.Change]:
		return refuse("node %q may only report pod status, not %q", r.Node, r.Change)
	}
	if !apiequality.Semantic.DeepEqual(pod.Spec, stored.Spec) {
		return refuse("node %q may not change the spec of pod %s/%s", r.Node, pod.Namespace, pod.Name)
	}
	if !apiequality.Semantic.DeepEqual(comparableMeta(pod.ObjectMeta), comparableMeta(stored.ObjectMeta)) {
		return refuse("node %q may not change the metadata of pod %s/%s", r.Node, pod.Namespace, pod.Name)
	}
	return nil
}

// comparableMeta is the metadata a status report must leave as stored.
func comparableMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	m = *m.DeepCopy()
	m.ResourceVersion, m.ManagedFields = "", nil
	return m
}
