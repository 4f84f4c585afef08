package nodeagent

import (
	"context"
	"errors"
	"time"

	"github.com/jetplane/jetplane/services/nodeagent/podsync"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// input gathers what podsync reads for one pod.
func (a *agent) input(pod *corev1.Pod, ip string, cs []runtime.ContainerInfo) podsync.Input {
	in := podsync.Input{Now: a.cfg.Now(), Pod: pod, RuntimeName: a.cfg.Runtime.Name(), HostIP: HostIP, PodIP: ip,
		Failures: map[string]podsync.StartFailure{}, Probes: map[string]podsync.ProbeResult{}}
	a.mu.Lock()
	for _, c := range pod.Spec.Containers {
		if f, ok := a.failures[string(pod.UID)+"/"+c.Name]; ok {
			in.Failures[c.Name] = f
		}
	}
	for _, c := range cs {
		in.Containers = append(in.Containers, podsync.Container{
			ID: string(c.ID), Name: c.Spec.Name, Attempt: c.Spec.Attempt, ImageID: c.ImageID,
			Running: c.State.Phase == runtime.Running, Stopping: a.stopping[c.ID],
			StartedAt: c.State.StartedAt, FinishedAt: c.State.FinishedAt,
			ExitCode: c.State.ExitCode, Reason: c.State.Reason, Message: c.State.Message,
		})
	}
	a.mu.Unlock()
	for _, c := range cs {
		if r, ok := a.probes.result(c.ID); ok {
			in.Probes[string(c.ID)] = r
		}
	}
	return in
}

// act carries out podsync's actions: starts now, stops in the background.
func (a *agent) act(ctx context.Context, key string, pod *corev1.Pod, ip string, d podsync.Decision) {
	log := a.log.WithField("key", key)
	for _, s := range d.Start {
		c := containerOf(pod, s.Container)
		if c == nil {
			continue
		}
		fk := string(pod.UID) + "/" + c.Name
		id, err := a.cfg.Runtime.Start(ctx, specOf(pod, c, ip, s.Attempt))
		if err != nil {
			f := podsync.StartFailure{Reason: "RunContainerError", Message: err.Error(), At: a.cfg.Now()}
			var se *runtime.StartError
			if errors.As(err, &se) {
				f.Reason, f.Message = se.Reason, se.Message
			}
			a.mu.Lock()
			before, seen := a.failures[fk]
			a.failures[fk] = f
			a.mu.Unlock()
			l := log.WithError(err).WithField("container", c.Name)
			if seen && before.Reason == f.Reason && before.Message == f.Message {
				l.Debug("start failed again") // retried every StartRetry: warn once
			} else {
				l.Warn("start failed")
			}
			continue
		}
		a.mu.Lock()
		delete(a.failures, fk)
		a.mu.Unlock()
		log.WithFields(logrus.Fields{"container": c.Name, "id": id, "attempt": s.Attempt, "ip": ip}).Info("container started")
	}
	for _, s := range d.Stop {
		log.WithFields(logrus.Fields{"id": s.ID, "grace": s.Grace, "reason": s.Reason}).Info("stopping container")
		a.stopAsync(key, runtime.ContainerID(s.ID), s.Grace)
	}
	for _, id := range d.Remove {
		_ = a.cfg.Runtime.Remove(ctx, runtime.ContainerID(id))
		a.probes.forget(runtime.ContainerID(id))
	}
}

// stopAsync stops a container without holding up the worker (grace may be
// long) and requeues the pod once it has ended.
func (a *agent) stopAsync(key string, id runtime.ContainerID, grace time.Duration) {
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
		ctx, cancel := context.WithTimeout(context.Background(), grace+30*time.Second)
		defer cancel()
		if err := a.cfg.Runtime.Stop(ctx, id, grace); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			a.log.WithField("key", key).WithError(err).Warn("stop failed")
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

// specOf is the runtime's view of one container: plain env values and the
// few downward-API fields that are known here.
func specOf(pod *corev1.Pod, c *corev1.Container, ip string, attempt int) runtime.ContainerSpec {
	s := runtime.ContainerSpec{PodUID: string(pod.UID), Namespace: pod.Namespace, PodName: pod.Name, Name: c.Name,
		Image: c.Image, Command: c.Command, Args: c.Args, PodIP: ip, Attempt: attempt}
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				v = pod.Name
			case "metadata.namespace":
				v = pod.Namespace
			case "metadata.uid":
				v = string(pod.UID)
			case "spec.nodeName":
				v = pod.Spec.NodeName
			case "status.podIP":
				v = ip
			case "status.hostIP":
				v = HostIP
			}
		}
		s.Env = append(s.Env, runtime.EnvVar{Name: e.Name, Value: v})
	}
	return s
}
