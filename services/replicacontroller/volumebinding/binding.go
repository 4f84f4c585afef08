package volumebinding

import (
	"path"
	"slices"
	"strings"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Annotations Kubernetes puts on bound claims and provisioned volumes.
const (
	BindCompletedAnnotation = "pv.kubernetes.io/bind-completed"
	BoundByControllerAnnot  = "pv.kubernetes.io/bound-by-controller"
	SelectedNodeAnnotation  = "volume.kubernetes.io/selected-node"
	ProvisionedByAnnotation = "pv.kubernetes.io/provisioned-by"
	HostnameLabel           = corev1.LabelHostname
	claimsResource          = "persistentvolumeclaims"
	volumesResource         = "persistentvolumes"
)

// LocalPathProvisioner is the provisioner of the default class, which the
// replica controller serves.
const LocalPathProvisioner = "jetplane.dev/local-path"

// IsDefaultClassAnnotation marks the StorageClass a claim without one gets.
const IsDefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"

// DefaultClass is the newest class marked default, as Kubernetes'
// DefaultStorageClass admission picks it (nil: none).
func DefaultClass(classes []*storagev1.StorageClass) *storagev1.StorageClass {
	var def *storagev1.StorageClass
	for _, sc := range classes {
		if sc.Annotations[IsDefaultClassAnnotation] == "true" && (def == nil || sc.CreationTimestamp.After(def.CreationTimestamp.Time)) {
			def = sc
		}
	}
	return def
}

// ClaimInput is one claim and what it may bind to.
type ClaimInput struct {
	Claim *corev1.PersistentVolumeClaim
	// Class is the claim's StorageClass, the default one for a claim that
	// names none (made by a controller: no admission gave it one); nil:
	// none, or not found.
	Class *storagev1.StorageClass
	// Volumes are every live PersistentVolume.
	Volumes []*corev1.PersistentVolume
	// Node is where a pod using the claim was scheduled ("" while none is).
	Node string
	// Provisioner is the name of the class provisioner this controller
	// serves, and Root where on a node its volumes' directories go.
	Provisioner, Root string
}

// DecideClaim binds a pending claim: to the volume already bound to it, to
// an available volume that fits, or to a new local-path volume once its
// consumer has a node.
func DecideClaim(in ClaimInput) workload.Result {
	var res workload.Result
	c := in.Claim
	if c == nil || c.DeletionTimestamp != nil || c.Status.Phase == corev1.ClaimBound {
		return res
	}
	if pv := boundTo(in.Volumes, c); pv != nil {
		bindClaim(&res, c, pv, in.Node)
		return res
	}
	if c.Spec.VolumeName != "" {
		return res // asks for a volume by name that is not there (yet)
	}
	if pv := bestFit(in.Volumes, c); pv != nil {
		v := pv.DeepCopy()
		v.Spec.ClaimRef = claimRef(c)
		v.Annotations = withAnnotation(v.Annotations, BoundByControllerAnnot, "yes")
		res.Add(workload.Update, volumesResource, v)
		st := v.DeepCopy()
		st.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound}
		res.Add(workload.Status, volumesResource, st)
		bindClaim(&res, c, v, in.Node)
		return res
	}
	if in.Class == nil || in.Class.Provisioner != in.Provisioner || in.Node == "" {
		return res // waits: for a volume, or for its first consumer's node
	}
	pv := provision(in, c)
	res.Add(workload.Create, volumesResource, pv)
	bindClaim(&res, c, pv, in.Node)
	return res
}

// VolumeName is the name of the volume provisioned for a claim.
func VolumeName(c *corev1.PersistentVolumeClaim) string { return "pvc-" + string(c.UID) }

func provision(in ClaimInput, c *corev1.PersistentVolumeClaim) *corev1.PersistentVolume {
	reclaim := corev1.PersistentVolumeReclaimDelete
	if in.Class.ReclaimPolicy != nil {
		reclaim = *in.Class.ReclaimPolicy
	}
	name := VolumeName(c)
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{ProvisionedByAnnotation: in.Provisioner}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: c.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   slices.Clone(c.Spec.AccessModes),
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              in.Class.Name,
			VolumeMode:                    c.Spec.VolumeMode,
			ClaimRef:                      claimRef(c),
			PersistentVolumeSource: corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{
				Path: path.Join(in.Root, name+"_"+c.Namespace+"_"+c.Name)}},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: HostnameLabel, Operator: corev1.NodeSelectorOpIn, Values: []string{in.Node}}},
			}}}},
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound},
	}
}

// bindClaim writes the claim's side of a binding to pv.
func bindClaim(res *workload.Result, c *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume, node string) {
	b := c.DeepCopy()
	b.Spec.VolumeName = pv.Name
	if b.Spec.StorageClassName == nil && pv.Spec.StorageClassName != "" {
		b.Spec.StorageClassName = &pv.Spec.StorageClassName
	}
	b.Annotations = withAnnotation(b.Annotations, BindCompletedAnnotation, "yes")
	b.Annotations[BoundByControllerAnnot] = "yes"
	if node != "" {
		b.Annotations[SelectedNodeAnnotation] = node
	}
	res.Add(workload.Update, claimsResource, b)
	s := b.DeepCopy()
	s.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, AccessModes: slices.Clone(pv.Spec.AccessModes),
		Capacity: pv.Spec.Capacity.DeepCopy()}
	res.Add(workload.Status, claimsResource, s)
}

func claimRef(c *corev1.PersistentVolumeClaim) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: c.Namespace, Name: c.Name,
		UID: c.UID, ResourceVersion: c.ResourceVersion}
}

// boundTo is the volume whose claimRef is this very claim.
func boundTo(vols []*corev1.PersistentVolume, c *corev1.PersistentVolumeClaim) *corev1.PersistentVolume {
	for _, v := range vols {
		if r := v.Spec.ClaimRef; r != nil && r.Namespace == c.Namespace && r.Name == c.Name && (r.UID == "" || r.UID == c.UID) {
			return v
		}
	}
	return nil
}

// bestFit is the smallest available volume of the claim's class with the
// claim's access modes and room for its request.
func bestFit(vols []*corev1.PersistentVolume, c *corev1.PersistentVolumeClaim) *corev1.PersistentVolume {
	want := c.Spec.Resources.Requests[corev1.ResourceStorage]
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	var best *corev1.PersistentVolume
	for _, v := range vols {
		have := v.Spec.Capacity[corev1.ResourceStorage]
		if v.Spec.ClaimRef != nil || v.DeletionTimestamp != nil || v.Spec.StorageClassName != class || have.Cmp(want) < 0 {
			continue
		}
		if v.Status.Phase != corev1.VolumeAvailable && v.Status.Phase != corev1.VolumePending && v.Status.Phase != "" {
			continue
		}
		if !hasModes(v.Spec.AccessModes, c.Spec.AccessModes) {
			continue
		}
		if best == nil {
			best = v
			continue
		}
		bestCap := best.Spec.Capacity[corev1.ResourceStorage]
		if have.Cmp(bestCap) < 0 || (have.Cmp(bestCap) == 0 && v.Name < best.Name) {
			best = v
		}
	}
	return best
}

func hasModes(have, want []corev1.PersistentVolumeAccessMode) bool {
	for _, m := range want {
		if !slices.Contains(have, m) {
			return false
		}
	}
	return true
}

func withAnnotation(a map[string]string, k, v string) map[string]string {
	if a == nil {
		a = map[string]string{}
	}
	a[k] = v
	return a
}

// DecideVolume makes a new volume Available, and releases a bound one
// whose claim is gone (claim reports the live claim, nil when there is
// none): Delete deletes it, Retain keeps it Released.
func DecideVolume(v *corev1.PersistentVolume, claim func(ns, name string) *corev1.PersistentVolumeClaim) workload.Result {
	var res workload.Result
	if v == nil || v.DeletionTimestamp != nil {
		return res
	}
	r := v.Spec.ClaimRef
	switch {
	case r == nil && (v.Status.Phase == "" || v.Status.Phase == corev1.VolumePending):
		s := v.DeepCopy()
		s.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable}
		res.Add(workload.Status, volumesResource, s)
	case r != nil && r.UID != "":
		c := claim(r.Namespace, r.Name)
		if c != nil && c.UID == r.UID {
			if v.Status.Phase != corev1.VolumeBound {
				s := v.DeepCopy()
				s.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound}
				res.Add(workload.Status, volumesResource, s)
			}
			return res
		}
		if v.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete {
			res.Add(workload.Delete, volumesResource, v.DeepCopy())
			return res
		}
		if v.Status.Phase != corev1.VolumeReleased {
			s := v.DeepCopy()
			s.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumeReleased,
				Message: "the claim " + r.Namespace + "/" + r.Name + " is gone; its volume is kept (Retain)"}
			res.Add(workload.Status, volumesResource, s)
		}
	}
	return res
}

// ReclaimedDirectory is the directory node removes now that local-path
// volume pv is deleted: its path, when LocalPathProvisioner made it on node
// under reclaim policy Delete and its claim (claimLive: uid of the live
// claim of that name, "" when none) is gone. Anything else is kept: a
// volume an administrator made, a Retain one, or one deleted by hand while
// its claim still holds it.
func ReclaimedDirectory(pv *corev1.PersistentVolume, node string, claimLive func(namespace, name string) types.UID) (string, bool) {
	if pv == nil || pv.Annotations[ProvisionedByAnnotation] != LocalPathProvisioner || pv.Spec.Local == nil ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		return "", false
	}
	if r := pv.Spec.ClaimRef; r != nil && r.UID != "" && claimLive(r.Namespace, r.Name) == r.UID {
		return "", false
	}
	if !strings.HasPrefix(path.Base(pv.Spec.Local.Path), pv.Name+"_") {
		return "", false // not a directory this provisioner named
	}
	na := pv.Spec.NodeAffinity
	if na == nil || na.Required == nil {
		return "", false
	}
	for _, term := range na.Required.NodeSelectorTerms {
		for _, req := range term.MatchExpressions {
			if req.Key == HostnameLabel && req.Operator == corev1.NodeSelectorOpIn && slices.Equal(req.Values, []string{node}) {
				return pv.Spec.Local.Path, true
			}
		}
	}
	return "", false
}
