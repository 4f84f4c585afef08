package nodeagent

import (
	"context"
	"errors"
	"time"

	"github.com/jetplane/jetplane/podenv"
	"github.com/jetplane/jetplane/servicelinks"
	"github.com/jetplane/jetplane/services/nodeagent/podsync"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// input gathers what podsync reads for one pod.
func (a *agent) input(pod *corev1.Pod, ip string, cs []podsync.Container) podsync.Input {
	in := podsync.Input{Now: a.cfg.Now(), Pod: pod, RuntimeName: a.cfg.Runtime.Name(), HostIP: a.cfg.NodeIP, PodIP: ip,
		Containers: cs, Failures: map[string]podsync.StartFailure{}, Probes: map[string]podsync.ProbeResult{},
		Backoffs: map[string]podsync.Backoff{}}
	a.mu.Lock()
	for _, c := range pod.Spec.Containers {
		if f, ok := a.failures[memoryKey(pod.UID, c.Name)]; ok {
			in.Failures[c.Name] = f
		}
		if b, ok := a.backoffs[memoryKey(pod.UID, c.Name)]; ok {
			in.Backoffs[c.Name] = b
		}
	}
	a.mu.Unlock()
	for _, c := range cs {
		if r, ok := a.probes.result(runtime.ContainerID(c.ID)); ok {
			in.Probes[c.ID] = r
		}
	}
	return in
}

// memoryKey names what the agent remembers of one container of a pod
// (failed starts, back-offs): "<pod uid>/<container>".
func memoryKey(uid types.UID, name string) string { return string(uid) + "/" + name }

// views are the runtime's containers as podsync sees them, with what the
// agent knows of them (a stop under way, a probe kill).
func (a *agent) views(cs []runtime.ContainerInfo) []podsync.Container {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]podsync.Container, 0, len(cs))
	for _, c := range cs {
		out = append(out, podsync.Container{
			ID: string(c.ID), PodUID: c.Spec.PodUID, Name: c.Spec.Name, Attempt: c.Spec.Attempt, ImageID: c.ImageID,
			Running: c.State.Phase == runtime.Running, Stopping: a.stopping[c.ID],
			StartedAt: c.State.StartedAt, FinishedAt: c.State.FinishedAt,
			ExitCode: c.State.ExitCode, Reason: c.State.Reason, Message: c.State.Message,
			ProbeKill: a.kills[c.ID],
		})
	}
	return out
}

// startFailed keeps why container c could not start, for podsync's next
// decision (waiting reason, back-off), and says so once.
func (a *agent) startFailed(log *logrus.Entry, fk string, c *corev1.Container, f podsync.StartFailure, err error) {
	a.mu.Lock()
	before, seen := a.failures[fk]
	f.Count, f.Image = 1, c.Image
	if seen && before.Reason == f.Reason && before.Image == f.Image {
		f.Count = before.Count + 1 // consecutive: the image pull back-off doubles
	}
	a.failures[fk] = f
	a.mu.Unlock()
	l := log.WithError(err).WithField("container", c.Name)
	if seen && before.Reason == f.Reason && before.Message == f.Message {
		l.Debug("start failed again") // retried every StartRetry: warn once
	} else {
		l.Warn("start failed")
	}
}

// remember keeps the back-offs a decision chose.
func (a *agent) remember(uid types.UID, d podsync.Decision) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for name, b := range d.Backoffs {
		a.backoffs[memoryKey(uid, name)] = b
	}
}

// act carries out podsync's actions: starts now, stops in the background.
func (a *agent) act(ctx context.Context, key string, pod *corev1.Pod, ip string, d podsync.Decision) {
	log := a.log.WithField("key", key)
	for _, s := range d.Start {
		c := containerOf(pod, s.Container)
		if c == nil {
			continue
		}
		fk := memoryKey(pod.UID, c.Name)
		spec := specOf(pod, c, ip, s.Attempt)
		if err := a.configure(ctx, &spec, pod, c, ip); err != nil {
			f := podsync.StartFailure{Reason: "RunContainerError", Message: err.Error(), At: a.cfg.Now()}
			var ce *podenv.ConfigError
			if errors.As(err, &ce) {
				f.Reason, f.Message = podenv.Reason, ce.Message
				if ce.Reason != "" {
					f.Reason = ce.Reason
				}
			}
			a.startFailed(log, fk, c, f, err)
			continue
		}
		id, err := a.cfg.Runtime.Start(ctx, spec)
		if err != nil {
			f := podsync.StartFailure{Reason: "RunContainerError", Message: err.Error(), At: a.cfg.Now()}
			var se *runtime.StartError
			if errors.As(err, &se) {
				f.Reason, f.Message = se.Reason, se.Message
			}
			a.startFailed(log, fk, c, f, err)
			continue
		}
		a.mu.Lock()
		delete(a.failures, fk)
		a.mu.Unlock()
		log.WithFields(logrus.Fields{"container": c.Name, "id": id, "attempt": s.Attempt, "ip": ip}).Info("container started")
	}
	for _, s := range d.Stop {
		id := runtime.ContainerID(s.ID)
		l := log.WithFields(logrus.Fields{"id": s.ID, "container": s.Container, "grace": s.Grace, "reason": s.Reason})
		if s.ProbeKill != "" {
			a.mu.Lock()
			a.kills[id] = s.ProbeKill
			a.mu.Unlock()
			l.Info(s.ProbeKill)
		} else {
			l.Info("stopping container")
		}
		var preStop func(context.Context) error
		if c := containerOf(pod, s.Container); c != nil && c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
			t, h := target{rt: a.cfg.Runtime, id: id, ip: ip, container: c}, c.Lifecycle.PreStop
			preStop = func(ctx context.Context) error { return t.hook(ctx, h) }
		}
		a.stopAsync(key, id, s.Grace, preStop)
	}
	for _, id := range d.Remove {
		a.removeContainer(ctx, runtime.ContainerID(id))
	}
}

// removeContainer forgets an ended container and what the agent knew of it.
func (a *agent) removeContainer(ctx context.Context, id runtime.ContainerID) {
	_ = a.cfg.Runtime.Remove(ctx, id)
	a.probes.forget(id)
	a.mu.Lock()
	delete(a.kills, id)
	a.mu.Unlock()
}

// stopAsync stops a container without holding up the worker (grace may be
// long) and requeues the pod once it has ended. A preStop hook runs first,
// within the grace period; when it uses it all, the container still gets
// MinGrace between SIGTERM and SIGKILL, as the kubelet's one-off extension.
func (a *agent) stopAsync(key string, id runtime.ContainerID, grace time.Duration, preStop func(context.Context) error) {
	a.mu.Lock()
	if a.stopping[id] {
		a.mu.Unlock()
		return
	}
	a.stopping[id] = true
	a.mu.Unlock()
	a.stops.Add(1)
	go func() {
		defer a.stops.Done()
		log := a.log.WithFields(logrus.Fields{"key": key, "id": id})
		if preStop != nil {
			deadline := time.Now().Add(grace)
			hctx, cancel := context.WithDeadline(context.Background(), deadline)
			if err := preStop(hctx); err != nil {
				log.WithError(err).Warn("preStop hook failed")
			}
			cancel()
			grace = max(time.Until(deadline), podsync.MinGrace)
		}
		ctx, cancel := context.WithTimeout(context.Background(), grace+30*time.Second)
		defer cancel()
		if err := a.cfg.Runtime.Stop(ctx, id, grace); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			log.WithError(err).Warn("stop failed")
		}
		a.probes.forget(id)
		a.mu.Lock()
		delete(a.stopping, id)
		a.mu.Unlock()
		a.queue.Add(key)
	}()
}

func containerOf(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// identityOf is who a container runs as: runAsUser and runAsGroup of its
// securityContext over the pod's, and the pod's supplemental groups.
func identityOf(pod *corev1.Pod, c *corev1.Container) (user, group *int64, groups []int64) {
	if psc := pod.Spec.SecurityContext; psc != nil {
		user, group, groups = psc.RunAsUser, psc.RunAsGroup, psc.SupplementalGroups
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			user = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			group = sc.RunAsGroup
		}
	}
	return user, group, groups
}

// servicesFor are the Services a container of pod hears of at its start:
// its namespace's and the API's own (servicelinks decides which count).
func (a *agent) servicesFor(pod *corev1.Pod) []*corev1.Service {
	st := a.proj.State()
	var out []*corev1.Service
	for _, o := range st.Objects("services", pod.Namespace) {
		if svc, ok := o.(*corev1.Service); ok {
			out = append(out, svc)
		}
	}
	if pod.Namespace != servicelinks.MasterNamespace {
		if e := st.Live("services", servicelinks.MasterNamespace, servicelinks.MasterName); e != nil {
			if svc, ok := e.Object.(*corev1.Service); ok {
				out = append(out, svc)
			}
		}
	}
	return out
}

// withServiceLinks adds the Services' variables the container does not
// set itself: as in the kubelet, the container's own win.
func withServiceLinks(env []runtime.EnvVar, links []corev1.EnvVar) []runtime.EnvVar {
	set := make(map[string]bool, len(env))
	for _, e := range env {
		set[e.Name] = true
	}
	for _, l := range links {
		if !set[l.Name] {
			env = append(env, runtime.EnvVar{Name: l.Name, Value: l.Value})
		}
	}
	return env
}

// specOf is the runtime's view of one container, but for its environment
// (configure).
func specOf(pod *corev1.Pod, c *corev1.Container, ip string, attempt int) runtime.ContainerSpec {
	s := runtime.ContainerSpec{Node: pod.Spec.NodeName, PodUID: string(pod.UID), Namespace: pod.Namespace, PodName: pod.Name, Name: c.Name,
		Image: c.Image, PullPolicy: string(c.ImagePullPolicy), Stdin: c.Stdin, StdinOnce: c.StdinOnce, TTY: c.TTY, Command: c.Command, Args: c.Args, PodIP: ip, Attempt: attempt,
		CPUMilli: c.Resources.Limits.Cpu().MilliValue(), MemoryBytes: c.Resources.Limits.Memory().Value()}
	s.RunAsUser, s.RunAsGroup, s.SupplementalGroups = identityOf(pod, c)
	for _, p := range c.Ports {
		s.Ports = append(s.Ports, runtime.Port{Name: p.Name, ContainerPort: p.ContainerPort, Protocol: string(p.Protocol)})
	}
	return s
}
