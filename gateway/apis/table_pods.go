package apis

import (
	"fmt"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeUnreachableReason is the pod reason the node lifecycle controller sets
// when a pod's node stops answering.
const nodeUnreachableReason = "NodeLost"

var podColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", 0),
	column("Status", "string", "The aggregate status of the containers in this pod.", 0),
	column("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0),
	ageColumn,
	column("IP", "string", corev1.PodStatus{}.SwaggerDoc()["podIP"], 1),
	column("Node", "string", corev1.PodSpec{}.SwaggerDoc()["nodeName"], 1),
	column("Nominated Node", "string", corev1.PodStatus{}.SwaggerDoc()["nominatedNodeName"], 1),
	column("Readiness Gates", "string", corev1.PodSpec{}.SwaggerDoc()["readinessGates"], 1),
}

func podCells(obj events.Object, now time.Time) ([]interface{}, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Pod", errWrongType, obj)
	}
	s := summarizePod(pod)
	restarts := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, since(s.lastRestart, now))
	}
	return []interface{}{
		pod.Name,
		fmt.Sprintf("%d/%d", s.ready, s.total),
		s.status,
		restarts,
		age(pod, now),
		orNone(pod.Status.PodIP),
		orNone(pod.Spec.NodeName),
		orNone(pod.Status.NominatedNodeName),
		readinessGates(pod),
	}, nil
}

// podSummary is what kubectl shows of a pod's containers.
type podSummary struct {
	ready, total, restarts int
	status                 string
	lastRestart            metav1.Time
}

// summarizePod follows kubectl's printPod: the phase, replaced by the most
// telling container reason, and Terminating while a deletion is under way.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers), status: string(pod.Status.Phase)}
	if pod.Status.Reason != "" {
		s.status = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.status = corev1.PodReasonSchedulingGated
		}
	}
	initializing := summarizeInitContainers(pod, &s)
	if !initializing {
		s.restarts = 0 // init containers' restarts no longer matter
		running := false
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := pod.Status.ContainerStatuses[i]
			s.count(c)
			switch st := c.State; {
			case st.Waiting != nil && st.Waiting.Reason != "":
				s.status = st.Waiting.Reason
			case st.Terminated != nil && st.Terminated.Reason != "":
				s.status = st.Terminated.Reason
			case st.Terminated != nil:
				s.status = exitReason("", st.Terminated)
			case c.Ready && st.Running != nil:
				running = true
				s.ready++
			}
		}
		// A pod whose containers partly completed is still running.
		if s.status == "Completed" && running {
			s.status = "NotReady"
			if podReady(pod) {
				s.status = string(corev1.PodRunning)
			}
		}
	}
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	switch {
	case pod.DeletionTimestamp != nil && pod.Status.Reason == nodeUnreachableReason:
		s.status = "Unknown"
	case pod.DeletionTimestamp != nil && !terminal:
		s.status = "Terminating"
	}
	return s
}

// summarizeInitContainers reports "Init:..." while init containers run and
// whether the pod is still initializing.
func summarizeInitContainers(pod *corev1.Pod, s *podSummary) bool {
	for i, c := range pod.Status.InitContainerStatuses {
		s.count(c)
		switch st := c.State; {
		case st.Terminated != nil && st.Terminated.ExitCode == 0:
			continue
		case st.Terminated != nil:
			s.status = exitReason("Init:", st.Terminated)
		case st.Waiting != nil && st.Waiting.Reason != "" && st.Waiting.Reason != "PodInitializing":
			s.status = "Init:" + st.Waiting.Reason
		default:
			s.status = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		return !podInitialized(pod)
	}
	return false
}

// count adds a container's restarts and remembers the latest restart.
func (s *podSummary) count(c corev1.ContainerStatus) {
	s.restarts += int(c.RestartCount)
	if t := c.LastTerminationState.Terminated; t != nil && s.lastRestart.Before(&t.FinishedAt) {
		s.lastRestart = t.FinishedAt
	}
}

func exitReason(prefix string, t *corev1.ContainerStateTerminated) string {
	if t.Reason != "" {
		return prefix + t.Reason
	}
	if t.Signal != 0 {
		return fmt.Sprintf("%sSignal:%d", prefix, t.Signal)
	}
	return fmt.Sprintf("%sExitCode:%d", prefix, t.ExitCode)
}

func podReady(pod *corev1.Pod) bool { return podCondition(pod, corev1.PodReady) }

func podInitialized(pod *corev1.Pod) bool { return podCondition(pod, corev1.PodInitialized) }

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// readinessGates is "true/total" over the pod's readiness gates.
func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return none
	}
	ok := 0
	for _, g := range pod.Spec.ReadinessGates {
		if podCondition(pod, g.ConditionType) {
			ok++
		}
	}
	return fmt.Sprintf("%d/%d", ok, len(pod.Spec.ReadinessGates))
}

// rowConditions marks finished pods Completed, as kube-apiserver does.
func rowConditions(obj events.Object) []metav1.TableRowCondition {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		return []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(corev1.PodSucceeded), Message: "The pod has completed successfully."}}
	case corev1.PodFailed:
		return []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(corev1.PodFailed), Message: "The pod failed."}}
	}
	return nil
}
