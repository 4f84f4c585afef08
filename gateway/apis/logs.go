package apis

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ParseLogOptions reads the query of a pods/log request as kube-apiserver
// does: a value that does not parse is a 400 naming its parameter; values out
// of range make the PodLogOptions invalid (422), with Kubernetes' messages.
func ParseLogOptions(pod string, q url.Values) (*corev1.PodLogOptions, error) {
	o := &corev1.PodLogOptions{Container: q.Get("container")}
	var err error
	for _, p := range []struct {
		name string
		dst  *bool
	}{{"follow", &o.Follow}, {"previous", &o.Previous}, {"timestamps", &o.Timestamps},
		{"insecureSkipTLSVerifyBackend", &o.InsecureSkipTLSVerifyBackend}} {
		if *p.dst, err = boolParam(q, p.name); err != nil {
			return nil, err
		}
	}
	for _, p := range []struct {
		name string
		dst  **int64
	}{{"sinceSeconds", &o.SinceSeconds}, {"tailLines", &o.TailLines}, {"limitBytes", &o.LimitBytes}} {
		if *p.dst, err = intParam(q, p.name); err != nil {
			return nil, err
		}
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("sinceTime: invalid value %q: want an RFC 3339 time", v))
		}
		o.SinceTime = &metav1.Time{Time: t}
	}
	if errs := validateLogOptions(o); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, pod, errs)
	}
	return o, nil
}

func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, apierrors.NewBadRequest(fmt.Sprintf("%s: invalid value %q: want true or false", name, v))
	}
	return b, nil
}

func intParam(q url.Values, name string) (*int64, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s: invalid value %q: want an integer", name, v))
	}
	return &n, nil
}

// validateLogOptions is Kubernetes' ValidatePodLogOptions.
func validateLogOptions(o *corev1.PodLogOptions) field.ErrorList {
	var errs field.ErrorList
	if o.TailLines != nil && *o.TailLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *o.TailLines, "must be greater than or equal to 0"))
	}
	if o.LimitBytes != nil && *o.LimitBytes < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *o.LimitBytes, "must be greater than 0"))
	}
	switch {
	case o.SinceSeconds != nil && o.SinceTime != nil:
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case o.SinceSeconds != nil && *o.SinceSeconds < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *o.SinceSeconds, "must be greater than 0"))
	}
	return errs
}

// LogSince is the time the requested output starts at; zero for all of it.
func LogSince(o *corev1.PodLogOptions, now time.Time) time.Time {
	switch {
	case o.SinceTime != nil:
		return o.SinceTime.Time
	case o.SinceSeconds != nil:
		return now.Add(-time.Duration(*o.SinceSeconds) * time.Second)
	}
	return time.Time{}
}

// LogPod is what the gateway knows of the pod whose output is asked for.
type LogPod struct {
	Name string
	// Pod as it is, or as it was last when Gone; nil when the event log no
	// longer knows it (only its output is left).
	Pod  *corev1.Pod
	Gone bool
	// Runs the LOGS stream holds for pods of this name, oldest first; read
	// only when the pod is gone.
	Runs []events.LogAttempt
}

// LogRun decides which container run a request reads, as Kubernetes does:
// the API server picks the container, the kubelet the run from the
// container's status (its current run, or with previous the last one that
// ended). A gone pod whose status does not say is served from the runs the
// stream holds.
func LogRun(p LogPod, o *corev1.PodLogOptions) (events.LogAttempt, error) {
	if p.Pod == nil {
		return runFromStream(p, o)
	}
	pod := p.Pod
	container, err := logContainer(p.Name, containerNames(pod), o.Container)
	if err != nil {
		return events.LogAttempt{}, err
	}
	if !p.Gone && pod.Spec.NodeName == "" {
		return events.LogAttempt{}, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", p.Name))
	}
	run := events.LogAttempt{Node: pod.Spec.NodeName, Namespace: pod.Namespace, Pod: pod.Name, Container: container, PodUID: string(pod.UID)}
	attempt, err := statusAttempt(pod, container, o.Previous)
	if err != nil && p.Gone {
		if a, ok := streamAttempt(p.Runs, run.PodUID, container, o.Previous); ok {
			attempt, err = a, nil
		}
	}
	if err != nil {
		return events.LogAttempt{}, apierrors.NewBadRequest(err.Error())
	}
	run.Attempt = attempt
	return run, nil
}

// containerNames lists the containers of a pod: regular, init, ephemeral.
func containerNames(pod *corev1.Pod) [3][]string {
	var names [3][]string
	for _, c := range pod.Spec.Containers {
		names[0] = append(names[0], c.Name)
	}
	for _, c := range pod.Spec.InitContainers {
		names[1] = append(names[1], c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names[2] = append(names[2], c.Name)
	}
	return names
}

// logContainer is kube-apiserver's choice of container: the one named, or
// the only one; several need a name.
func logContainer(pod string, names [3][]string, want string) (string, error) {
	if want == "" {
		switch len(names[0]) {
		case 1:
			return names[0][0], nil
		case 0:
			return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod))
		}
		msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]", pod, strings.Join(names[0], " "))
		if len(names[1]) > 0 {
			msg += fmt.Sprintf(" or one of the init containers: [%s]", strings.Join(names[1], " "))
		}
		return "", apierrors.NewBadRequest(msg)
	}
	for _, group := range names {
		for _, n := range group {
			if n == want {
				return want, nil
			}
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", want, pod))
}

// statusAttempt is the kubelet's choice of run (validateContainerLogStatus),
// in attempts: a container's status names the run of its containerID, which
// is attempt restartCount, and the one before it.
func statusAttempt(pod *corev1.Pod, container string, previous bool) (int, error) {
	cs := containerStatus(pod, container)
	if cs == nil {
		return 0, fmt.Errorf("container %q in pod %q is not available", container, pod.Name)
	}
	last, term := cs.LastTerminationState.Terminated, cs.State.Terminated
	switch {
	case previous:
		if last == nil || last.ContainerID == "" {
			return 0, fmt.Errorf("previous terminated container %q in pod %q not found", container, pod.Name)
		}
		return attemptOf(cs, last.ContainerID), nil
	case cs.State.Running != nil:
		return int(cs.RestartCount), nil
	case term != nil && term.ContainerID != "":
		return attemptOf(cs, term.ContainerID), nil
	case last != nil && last.ContainerID != "":
		return attemptOf(cs, last.ContainerID), nil
	case term != nil || last != nil:
		return 0, fmt.Errorf("container %q in pod %q is terminated", container, pod.Name)
	case cs.State.Waiting != nil:
		reason := cs.State.Waiting.Reason
		switch reason {
		case "ErrImagePull":
			reason = "image can't be pulled"
		case "ImagePullBackOff":
			reason = "trying and failing to pull image"
		}
		return 0, fmt.Errorf("container %q in pod %q is waiting to start: %s", container, pod.Name, reason)
	}
	return 0, fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", container, pod.Name)
}

func containerStatus(pod *corev1.Pod, container string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.ContainerStatuses,
		pod.Status.InitContainerStatuses, pod.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == container {
				return &list[i]
			}
		}
	}
	return nil
}

func attemptOf(cs *corev1.ContainerStatus, containerID string) int {
	if containerID == cs.ContainerID || cs.RestartCount == 0 {
		return int(cs.RestartCount)
	}
	return int(cs.RestartCount) - 1
}

// streamAttempt is the newest run of a container the stream holds (or,
// with previous, the one before it).
func streamAttempt(runs []events.LogAttempt, uid, container string, previous bool) (int, bool) {
	var attempts []int
	for _, r := range runs {
		if r.PodUID == uid && r.Container == container {
			attempts = append(attempts, r.Attempt)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(attempts)))
	i := 0
	if previous {
		i = 1
	}
	if i >= len(attempts) {
		return 0, false
	}
	return attempts[i], true
}

// runFromStream serves a pod only the stream remembers: the newest pod of
// the name, its containers as the stream lists them.
func runFromStream(p LogPod, o *corev1.PodLogOptions) (events.LogAttempt, error) {
	if len(p.Runs) == 0 {
		return events.LogAttempt{}, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, p.Name)
	}
	newest := p.Runs[len(p.Runs)-1]
	seen := map[string]bool{}
	var names [3][]string
	for _, r := range p.Runs {
		if r.PodUID == newest.PodUID && !seen[r.Container] {
			seen[r.Container] = true
			names[0] = append(names[0], r.Container)
		}
	}
	sort.Strings(names[0])
	container, err := logContainer(p.Name, names, o.Container)
	if err != nil {
		return events.LogAttempt{}, err
	}
	attempt, ok := streamAttempt(p.Runs, newest.PodUID, container, o.Previous)
	if !ok {
		return events.LogAttempt{}, apierrors.NewBadRequest(
			fmt.Sprintf("previous terminated container %q in pod %q not found", container, p.Name))
	}
	newest.Container, newest.Attempt = container, attempt
	return newest, nil
}

// LogRunEnded tells whether a followed run can write no more: its pod is
// gone (pod nil, or another pod of the name), the container restarted, or
// its status says this run terminated.
func LogRunEnded(pod *corev1.Pod, run events.LogAttempt) bool {
	if pod == nil || string(pod.UID) != run.PodUID {
		return true
	}
	cs := containerStatus(pod, run.Container)
	switch {
	case cs == nil || int(cs.RestartCount) < run.Attempt:
		return false
	case int(cs.RestartCount) > run.Attempt || cs.State.Terminated != nil:
		return true
	case cs.State.Running != nil:
		return false
	}
	last := cs.LastTerminationState.Terminated
	return last != nil && last.ContainerID == cs.ContainerID // waiting to restart after this run
}
