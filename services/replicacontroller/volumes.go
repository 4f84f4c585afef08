package replicacontroller

import (
	"context"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/replicacontroller/volumebinding"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// DefaultLocalPathRoot is where on a node local-path volumes go, unless
// Config.LocalPathRoot says.
const DefaultLocalPathRoot = "/var/lib/jetplane/local-path"

// volumes declares the PersistentVolume controller and the local-path
// provisioner as a part of the replica controller (volumebinding decides):
// keys "claim/<ns>/<name>" and "volume/<name>". A claim is looked at when
// it changes, when a volume names it, and when a pod using it is bound.
func (c *replicaController) volumes() *controller.Service {
	part := &controller.Service{Name: Name + "/volumes", Workers: 1, Resync: c.cfg.Resync,
		Keys: func() []string {
			st := c.proj.State()
			var keys []string
			for _, e := range st.List("persistentvolumeclaims", "", nil) {
				keys = append(keys, "claim/"+e.Namespace+"/"+e.Name)
			}
			for _, e := range st.List("persistentvolumes", "", nil) {
				keys = append(keys, "volume/"+e.Name)
			}
			return keys
		}}
	queue := part.Queue()
	part.OnApply = func(_, cur *projections.Entry, _ *events.Event) {
		switch cur.Resource {
		case "persistentvolumeclaims":
			queue.Add("claim/" + cur.Namespace + "/" + cur.Name)
		case "persistentvolumes":
			queue.Add("volume/" + cur.Name)
			if pv, ok := cur.Object.(*corev1.PersistentVolume); ok && pv.Spec.ClaimRef != nil {
				queue.Add("claim/" + pv.Spec.ClaimRef.Namespace + "/" + pv.Spec.ClaimRef.Name)
			}
		case "pods":
			if pod, ok := cur.Object.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
				for _, v := range pod.Spec.Volumes {
					if v.PersistentVolumeClaim != nil {
						queue.Add("claim/" + pod.Namespace + "/" + v.PersistentVolumeClaim.ClaimName)
					}
				}
			}
		}
	}
	part.Reconcile = func(ctx context.Context, key string) (time.Duration, error) {
		st := c.proj.State()
		kind, rest, _ := strings.Cut(key, "/")
		if kind == "volume" {
			e := st.Live("persistentvolumes", "", rest)
			if e == nil {
				return 0, nil
			}
			res := volumebinding.DecideVolume(e.Object.(*corev1.PersistentVolume), func(ns, name string) *corev1.PersistentVolumeClaim {
				if ce := st.Live("persistentvolumeclaims", ns, name); ce != nil {
					return ce.Object.(*corev1.PersistentVolumeClaim)
				}
				return nil
			})
			return res.Requeue, c.apply(ctx, key, e.Cause(), res.Changes)
		}
		ns, name, _ := strings.Cut(rest, "/")
		e := st.Live("persistentvolumeclaims", ns, name)
		if e == nil {
			return 0, nil
		}
		claim := e.Object.(*corev1.PersistentVolumeClaim)
		in := volumebinding.ClaimInput{Claim: claim, Provisioner: volumebinding.LocalPathProvisioner, Root: c.cfg.LocalPathRoot}
		if claim.Spec.StorageClassName != nil {
			if se := st.Live("storageclasses", "", *claim.Spec.StorageClassName); se != nil {
				in.Class = se.Object.(*storagev1.StorageClass)
			}
		} else {
			var classes []*storagev1.StorageClass
			for _, se := range st.List("storageclasses", "", nil) {
				classes = append(classes, se.Object.(*storagev1.StorageClass))
			}
			in.Class = volumebinding.DefaultClass(classes)
		}
		for _, ve := range st.List("persistentvolumes", "", nil) {
			in.Volumes = append(in.Volumes, ve.Object.(*corev1.PersistentVolume))
		}
		for _, pe := range st.List("pods", ns, nil) {
			pod := pe.Object.(*corev1.Pod)
			for _, v := range pod.Spec.Volumes {
				if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == name && pod.Spec.NodeName != "" {
					in.Node = pod.Spec.NodeName
				}
			}
		}
		res := volumebinding.DecideClaim(in)
		return res.Requeue, c.apply(ctx, key, e.Cause(), res.Changes)
	}
	return part
}
