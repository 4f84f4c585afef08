package podvolumes

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/jetplane/jetplane/podenv"
	corev1 "k8s.io/api/core/v1"
)

// Kind of a volume's content on the node.
type Kind string

const (
	// Files: a directory the node writes whole (configMap, secret,
	// downwardAPI, projected).
	Files Kind = "files"
	// EmptyDir: a directory made empty for the pod, kept across its
	// containers' restarts.
	EmptyDir Kind = "emptyDir"
	// HostPath: a path of the node itself.
	HostPath Kind = "hostPath"
)

// File is one file of a volume: its content and permission bits.
type File struct {
	Data []byte
	Mode int32
}

// Content is what one volume holds.
type Content struct {
	Name string
	Kind Kind
	// Files, by path relative to the volume (Files).
	Files map[string]File
	// Medium Memory and SizeLimit in bytes (EmptyDir; 0: none).
	Memory    bool
	SizeLimit int64
	// Path and Type (HostPath).
	Path string
	Type corev1.HostPathType
}

// Lookups are where volumes read from: podenv's sources (the pod's
// namespace's ConfigMaps and Secrets, its addresses, the node's
// allocatable for resourceFieldRef), and the claims of the pod's namespace
// and the volumes bound to them (nil when there is none), and Token, a
// token of the pod's ServiceAccount bound to it for an audience ("": the
// API's) and lifetime (nil: the node cannot get one).
type Lookups struct {
	podenv.Sources
	Claim  func(name string) *corev1.PersistentVolumeClaim
	Volume func(name string) *corev1.PersistentVolume
	Token  func(audience string, expirationSeconds int64) (string, error)
}

// DefaultTokenExpiration is a serviceAccountToken projection's lifetime
// when it names none (Kubernetes' default, an hour).
const DefaultTokenExpiration int64 = 3600

// ContainerCreating is the waiting reason of a container whose volumes
// cannot be set up yet.
const ContainerCreating = "ContainerCreating"

// defaultMode is the mode of a file no mode is given for.
const defaultMode int32 = 0o644

// ErrUnsupported: a volume type Jetplane does not provide.
var ErrUnsupported = errors.New("unsupported volume type")

// Desired is what volume v of pod holds. A missing ConfigMap or Secret
// that is not optional is a *podenv.ConfigError in the kubelet's words.
func Desired(pod *corev1.Pod, v corev1.Volume, lk Lookups) (Content, error) {
	c := Content{Name: v.Name, Kind: Files, Files: map[string]File{}}
	var err error
	switch {
	case v.EmptyDir != nil:
		c = Content{Name: v.Name, Kind: EmptyDir, Memory: v.EmptyDir.Medium == corev1.StorageMediumMemory}
		if v.EmptyDir.SizeLimit != nil {
			c.SizeLimit = v.EmptyDir.SizeLimit.Value()
		}
	case v.HostPath != nil:
		c = Content{Name: v.Name, Kind: HostPath, Path: v.HostPath.Path}
		if v.HostPath.Type != nil {
			c.Type = *v.HostPath.Type
		}
	case v.PersistentVolumeClaim != nil:
		c, err = claimed(v, lk)
	case v.ConfigMap != nil:
		err = configMapFiles(c.Files, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, mode(v.ConfigMap.DefaultMode), lk)
	case v.Secret != nil:
		err = secretFiles(c.Files, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, mode(v.Secret.DefaultMode), lk)
	case v.DownwardAPI != nil:
		err = downwardFiles(c.Files, pod, v.DownwardAPI.Items, mode(v.DownwardAPI.DefaultMode), lk)
	case v.Projected != nil:
		err = projectedFiles(c.Files, pod, v.Projected, lk)
	default:
		return Content{}, fmt.Errorf("volume %q: %w", v.Name, ErrUnsupported)
	}
	if err != nil {
		var ce *podenv.ConfigError
		if errors.As(err, &ce) {
			return Content{}, &podenv.ConfigError{Reason: ContainerCreating,
				Message: fmt.Sprintf("MountVolume.SetUp failed for volume %q : %s", v.Name, ce.Message)}
		}
		return Content{}, err
	}
	return c, nil
}

func mode(m *int32) int32 {
	if m == nil {
		return defaultMode
	}
	return *m
}

func configMapFiles(out map[string]File, name string, items []corev1.KeyToPath, opt *bool, def int32, lk Lookups) error {
	cm, err := lk.ConfigMap(name)
	if errors.Is(err, podenv.ErrNotFound) {
		if opt != nil && *opt {
			return nil
		}
		return &podenv.ConfigError{Message: fmt.Sprintf("configmap %q not found", name)}
	}
	if err != nil {
		return err
	}
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyFiles(out, "configmap", name, data, items, opt, def)
}

func secretFiles(out map[string]File, name string, items []corev1.KeyToPath, opt *bool, def int32, lk Lookups) error {
	data, err := lk.Secret(name)
	if errors.Is(err, podenv.ErrNotFound) {
		if opt != nil && *opt {
			return nil
		}
		return &podenv.ConfigError{Message: fmt.Sprintf("secret %q not found", name)}
	}
	if err != nil {
		return err
	}
	return keyFiles(out, "secret", name, data, items, opt, def)
}

// keyFiles are a ConfigMap's or Secret's keys as files: every key, or the
// items asked for (a missing item's key is an error unless optional).
func keyFiles(out map[string]File, kind, name string, data map[string][]byte, items []corev1.KeyToPath, opt *bool, def int32) error {
	if len(items) == 0 {
		for k, v := range data {
			out[k] = File{Data: v, Mode: def}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if opt != nil && *opt {
				continue
			}
			return &podenv.ConfigError{Message: fmt.Sprintf("configuration for %s %q has no key %q", kind, name, it.Key)}
		}
		m := def
		if it.Mode != nil {
			m = *it.Mode
		}
		out[clean(it.Path)] = File{Data: v, Mode: m}
	}
	return nil
}

func downwardFiles(out map[string]File, pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, def int32, lk Lookups) error {
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = podenv.FieldValue(pod, it.FieldRef.FieldPath, lk.Sources)
		case it.ResourceFieldRef != nil:
			var c *corev1.Container
			if len(pod.Spec.Containers) > 0 {
				c = &pod.Spec.Containers[0]
			}
			v, err = podenv.ResourceValue(pod, c, it.ResourceFieldRef, lk.NodeAllocatable)
		}
		if err != nil {
			return err
		}
		m := def
		if it.Mode != nil {
			m = *it.Mode
		}
		out[clean(it.Path)] = File{Data: []byte(v), Mode: m}
	}
	return nil
}

func projectedFiles(out map[string]File, pod *corev1.Pod, p *corev1.ProjectedVolumeSource, lk Lookups) error {
	def := mode(p.DefaultMode)
	for _, s := range p.Sources {
		var err error
		switch {
		case s.ConfigMap != nil:
			err = configMapFiles(out, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, def, lk)
		case s.Secret != nil:
			err = secretFiles(out, s.Secret.Name, s.Secret.Items, s.Secret.Optional, def, lk)
		case s.DownwardAPI != nil:
			err = downwardFiles(out, pod, s.DownwardAPI.Items, def, lk)
		case s.ServiceAccountToken != nil:
			err = tokenFile(out, s.ServiceAccountToken, def, lk)
		default:
			err = fmt.Errorf("projected source: %w (clusterTrustBundle and podCertificate are not provided yet)", ErrUnsupported)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tokenFile is a serviceAccountToken projection: the token at its path.
// A token the node cannot get yet keeps the pod waiting, as the kubelet's
// "failed to fetch token".
func tokenFile(out map[string]File, p *corev1.ServiceAccountTokenProjection, def int32, lk Lookups) error {
	if lk.Token == nil {
		return fmt.Errorf("projected source serviceAccountToken: %w on this node", ErrUnsupported)
	}
	exp := DefaultTokenExpiration
	if p.ExpirationSeconds != nil {
		exp = *p.ExpirationSeconds
	}
	tok, err := lk.Token(p.Audience, exp)
	if err != nil {
		return &podenv.ConfigError{Message: fmt.Sprintf("failed to fetch token: %v", err)}
	}
	out[clean(p.Path)] = File{Data: []byte(tok), Mode: def}
	return nil
}

// clean is a volume-relative path, never leaving the volume (validation
// refuses such paths; this holds even if it did not).
func clean(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// Paths are the file paths of c, sorted.
func (c Content) Paths() []string {
	out := make([]string, 0, len(c.Files))
	for p := range c.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// claimed is the directory of the volume bound to a claim: a local or
// hostPath volume of this node (made if missing). An unbound claim waits.
func claimed(v corev1.Volume, lk Lookups) (Content, error) {
	name := v.PersistentVolumeClaim.ClaimName
	var pvc *corev1.PersistentVolumeClaim
	if lk.Claim != nil {
		pvc = lk.Claim(name)
	}
	if pvc == nil {
		return Content{}, &podenv.ConfigError{Message: fmt.Sprintf("persistentvolumeclaim %q not found", name)}
	}
	var pv *corev1.PersistentVolume
	if pvc.Spec.VolumeName != "" && lk.Volume != nil {
		pv = lk.Volume(pvc.Spec.VolumeName)
	}
	if pv == nil || pvc.Status.Phase != corev1.ClaimBound {
		return Content{}, &podenv.ConfigError{Message: fmt.Sprintf("persistentvolumeclaim %q is not bound yet", name)}
	}
	dir := ""
	switch {
	case pv.Spec.Local != nil:
		dir = pv.Spec.Local.Path
	case pv.Spec.HostPath != nil:
		dir = pv.Spec.HostPath.Path
	default:
		return Content{}, fmt.Errorf("volume %s of claim %q: %w (local and hostPath are)", pv.Name, name, ErrUnsupported)
	}
	return Content{Name: v.Name, Kind: HostPath, Path: dir, Type: corev1.HostPathDirectoryOrCreate}, nil
}
