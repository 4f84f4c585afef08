package nodeagent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jetplane/jetplane/podenv"
	"github.com/jetplane/jetplane/podvolumes"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/replicacontroller/volumebinding"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A pod's volumes live on the node under <PodsDir>/<pod uid>/volumes/<name>
// (podvolumes decides their content); containers get them as bind mounts.
// Files volumes are rewritten atomically (atomicwrite.go) when what they
// show changes, at most volumeRefresh apart: a mounted ConfigMap's update
// shows within seconds, as the kubelet's does within a minute.

const volumeRefresh = 10 * time.Second

func (a *agent) podDir(uid types.UID) string { return filepath.Join(a.cfg.PodsDir, string(uid)) }

func (a *agent) volumeDir(uid types.UID, name string) string {
	return filepath.Join(a.podDir(uid), "volumes", name)
}

// setUpVolumes makes (or refreshes) every volume of pod and returns each
// one's path on the node, by volume name. A *podenv.ConfigError says what
// a volume lacks.
func (a *agent) setUpVolumes(ctx context.Context, pod *corev1.Pod, ip string) (map[string]string, error) {
	if len(pod.Spec.Volumes) == 0 {
		return nil, nil
	}
	st := a.proj.State()
	lk := podvolumes.Lookups{Sources: a.sources(ctx, pod, ip),
		Claim: func(name string) *corev1.PersistentVolumeClaim {
			if e := st.Live("persistentvolumeclaims", pod.Namespace, name); e != nil {
				return e.Object.(*corev1.PersistentVolumeClaim)
			}
			return nil
		},
		Volume: func(name string) *corev1.PersistentVolume {
			if e := st.Live("persistentvolumes", "", name); e != nil {
				return e.Object.(*corev1.PersistentVolume)
			}
			return nil
		},
		Token: a.podToken(ctx, pod)}
	paths := make(map[string]string, len(pod.Spec.Volumes))
	for _, v := range pod.Spec.Volumes {
		c, err := podvolumes.Desired(pod, v, lk)
		if err != nil {
			return nil, err
		}
		p, err := a.setUpVolume(pod, c)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		paths[v.Name] = p
	}
	a.mu.Lock()
	a.volumesAt[pod.UID] = time.Now()
	a.mu.Unlock()
	return paths, nil
}

// setUpVolume makes one volume and returns its path on the node.
func (a *agent) setUpVolume(pod *corev1.Pod, c podvolumes.Content) (string, error) {
	dir := a.volumeDir(pod.UID, c.Name)
	switch c.Kind {
	case podvolumes.Files:
		_, err := writeAtomic(dir, c.Files)
		return dir, err
	case podvolumes.EmptyDir:
		if _, err := os.Stat(dir); err == nil {
			return dir, nil // kept across the pod's container restarts
		}
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return "", err
		}
		if err := os.Chmod(dir, 0o777); err != nil { // any container user writes there, as in Kubernetes
			return "", err
		}
		if c.Memory && os.Geteuid() == 0 {
			opts := "mode=1777"
			if c.SizeLimit > 0 {
				opts += fmt.Sprintf(",size=%d", c.SizeLimit)
			}
			if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
				return "", fmt.Errorf("emptyDir in memory: %w", err)
			}
		}
		return dir, nil
	case podvolumes.HostPath:
		return c.Path, hostPathReady(c.Path, c.Type)
	}
	return "", fmt.Errorf("%w: %s", podvolumes.ErrUnsupported, c.Kind)
}

// hostPathReady checks or makes a hostPath as its type says.
func hostPathReady(p string, t corev1.HostPathType) error {
	st, err := os.Stat(p)
	switch t {
	case corev1.HostPathDirectoryOrCreate:
		if os.IsNotExist(err) {
			return os.MkdirAll(p, 0o755)
		}
	case corev1.HostPathFileOrCreate:
		if os.IsNotExist(err) {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
	case corev1.HostPathDirectory:
		if err != nil || !st.IsDir() {
			return &podenv.ConfigError{Message: fmt.Sprintf("hostPath type check failed: %s is not a directory", p)}
		}
	case corev1.HostPathFile:
		if err != nil || !st.Mode().IsRegular() {
			return &podenv.ConfigError{Message: fmt.Sprintf("hostPath type check failed: %s is not a file", p)}
		}
	}
	return nil
}

// mountsOf are container c's volume mounts, its volumes at paths; a
// subPath binds that path within the volume (a file of a ConfigMap volume
// is then its content at the start, not updated, as in Kubernetes).
func mountsOf(c *corev1.Container, paths map[string]string) ([]runtime.Mount, error) {
	var out []runtime.Mount
	for _, m := range c.VolumeMounts {
		p, ok := paths[m.Name]
		if !ok {
			return nil, &podenv.ConfigError{Message: fmt.Sprintf("volume %q of mount %s is not a volume of the pod", m.Name, m.MountPath)}
		}
		if m.SubPath != "" {
			sub := filepath.Join(p, filepath.Clean("/"+m.SubPath))
			if resolved, err := filepath.EvalSymlinks(sub); err == nil && strings.HasPrefix(resolved, p+string(filepath.Separator)) {
				sub = resolved // a key's link, resolved: Docker binds what it points at
			} else if os.IsNotExist(err) {
				if err := os.MkdirAll(sub, 0o755); err != nil {
					return nil, err
				}
			}
			p = sub
		}
		out = append(out, runtime.Mount{HostPath: p, ContainerPath: m.MountPath, ReadOnly: m.ReadOnly})
	}
	return out, nil
}

// refreshVolumes rewrites pod's files volumes when volumeRefresh has gone
// by since the last time (running containers see the change).
func (a *agent) refreshVolumes(ctx context.Context, pod *corev1.Pod, ip string) {
	a.mu.Lock()
	at, ok := a.volumesAt[pod.UID]
	a.mu.Unlock()
	if !ok || time.Since(at) < volumeRefresh {
		return // not set up yet (no container started), or fresh
	}
	if _, err := a.setUpVolumes(ctx, pod, ip); err != nil {
		a.log.WithField("key", pod.Namespace+"/"+pod.Name).WithError(err).Debug("volumes not refreshed")
		a.mu.Lock()
		a.volumesAt[pod.UID] = time.Now()
		a.mu.Unlock()
	}
}

// tearDownVolumes removes a gone pod's directory (memory emptyDirs
// unmounted first).
func (a *agent) tearDownVolumes(uid types.UID) {
	a.mu.Lock()
	delete(a.volumesAt, uid)
	a.mu.Unlock()
	a.forgetTokens(uid)
	dir := a.podDir(uid)
	vols, _ := os.ReadDir(filepath.Join(dir, "volumes"))
	for _, v := range vols {
		_ = syscall.Unmount(filepath.Join(dir, "volumes", v.Name()), syscall.MNT_DETACH)
	}
	_ = os.RemoveAll(dir)
}

// reclaimed removes, on its node, the directory of a deleted local-path
// volume whose reclaim policy is Delete (volumebinding.ReclaimedDirectory
// says which): the local-path provisioner's clean-up, which in Kubernetes
// a helper pod on the node does.
func (f *fleet) reclaimed(prev *projections.Entry) {
	pv, ok := prev.Object.(*corev1.PersistentVolume)
	if !ok {
		return
	}
	st := f.proj.State()
	claimLive := func(namespace, name string) types.UID {
		if e := st.Live("persistentvolumeclaims", namespace, name); e != nil {
			return e.Object.GetUID()
		}
		return ""
	}
	for node, a := range f.byNode {
		dir, ok := volumebinding.ReclaimedDirectory(pv, node, claimLive)
		if !ok {
			continue
		}
		go func() {
			log := a.log.WithField("key", pv.Name)
			if err := os.RemoveAll(dir); err != nil {
				log.WithError(err).Warn("reclaimed volume's directory not removed")
				return
			}
			log.WithField("path", dir).Info("reclaimed volume's directory removed")
		}()
	}
}
