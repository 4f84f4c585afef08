package gateway

import (
	"context"
	"net/http"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/replicacontroller/volumebinding"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Storage: the default StorageClass, local-path, as k3s ships its
// local-path provisioner (a directory per volume on the node that first
// uses it: WaitForFirstConsumer; reclaim Delete), and the
// DefaultStorageClass admission plugin.

// LocalPathClass names the default class.
const LocalPathClass = "local-path"

// ensureStorageClass creates the local-path class where no class exists
// yet under that name (one deleted stays deleted only until the next
// start, as Kubernetes' addons come back).
func (s *Server) ensureStorageClass(ctx context.Context) error {
	if s.proj.State().Get("storageclasses", "", LocalPathClass) != nil {
		return nil
	}
	wait, del := storagev1.VolumeBindingWaitForFirstConsumer, corev1.PersistentVolumeReclaimDelete
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: LocalPathClass,
		Annotations: map[string]string{volumebinding.IsDefaultClassAnnotation: "true"}},
		Provisioner: volumebinding.LocalPathProvisioner, VolumeBindingMode: &wait, ReclaimPolicy: &del}
	return s.ensure(ctx, events.MustLookup("storageclasses"), []events.Object{sc})
}

// admitDefaultStorageClass gives a new claim without a class the default
// one (the newest class marked default), as kube-apiserver's plugin does.
func (s *Server) admitDefaultStorageClass(_ *http.Request, _ events.Resource, old, obj events.Object) error {
	pvc, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok || old != nil || pvc.Spec.StorageClassName != nil {
		return nil
	}
	var classes []*storagev1.StorageClass
	for _, e := range s.proj.State().List("storageclasses", "", nil) {
		classes = append(classes, e.Object.(*storagev1.StorageClass))
	}
	def := volumebinding.DefaultClass(classes)
	if def != nil {
		pvc.Spec.StorageClassName = &def.Name
	}
	return nil
}
