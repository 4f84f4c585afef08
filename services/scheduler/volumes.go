package scheduler

import (
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
)

// volumeSelectors are the required node selectors of the volumes bound to
// pod's claims: where its data is, the pod must go.
func volumeSelectors(st *projections.State, pod *corev1.Pod) []*corev1.NodeSelector {
	var out []*corev1.NodeSelector
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		ce := st.Live("persistentvolumeclaims", pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		if ce == nil {
			continue
		}
		name := ce.Object.(*corev1.PersistentVolumeClaim).Spec.VolumeName
		if name == "" {
			continue
		}
		if ve := st.Live("persistentvolumes", "", name); ve != nil {
			if na := ve.Object.(*corev1.PersistentVolume).Spec.NodeAffinity; na != nil && na.Required != nil {
				out = append(out, na.Required)
			}
		}
	}
	return out
}
