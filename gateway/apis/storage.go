package apis

import (
	"fmt"
	"reflect"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// PersistentVolumeClaims, PersistentVolumes and StorageClasses as
// kube-apiserver defaults, validates and prints them.

var (
	accessModeValues = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod}
	reclaimPolicies  = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimRetain, corev1.PersistentVolumeReclaimDelete,
		corev1.PersistentVolumeReclaimRecycle}
	bindingModes = []storagev1.VolumeBindingMode{storagev1.VolumeBindingImmediate, storagev1.VolumeBindingWaitForFirstConsumer}
)

func defaultClaimSpec(s *corev1.PersistentVolumeClaimSpec) {
	if s.VolumeMode == nil {
		s.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
	}
}

func defaultStorage(obj any) {
	switch o := obj.(type) {
	case *corev1.PersistentVolumeClaim:
		defaultClaimSpec(&o.Spec)
		if o.Status.Phase == "" {
			o.Status.Phase = corev1.ClaimPending
		}
	case *corev1.PersistentVolume:
		if o.Spec.PersistentVolumeReclaimPolicy == "" {
			o.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
		}
		if o.Spec.VolumeMode == nil {
			o.Spec.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
		}
		if o.Status.Phase == "" {
			o.Status.Phase = corev1.VolumePending
		}
	case *storagev1.StorageClass:
		if o.ReclaimPolicy == nil {
			o.ReclaimPolicy = ptrTo(corev1.PersistentVolumeReclaimDelete)
		}
		if o.VolumeBindingMode == nil {
			o.VolumeBindingMode = ptrTo(storagev1.VolumeBindingImmediate)
		}
	}
}

func validateClaimSpec(s *corev1.PersistentVolumeClaimSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(s.AccessModes) == 0 {
		errs = append(errs, field.Required(path.Child("accessModes"), "at least 1 access mode is required"))
	}
	for i, m := range s.AccessModes {
		errs = append(errs, oneOf(m, accessModeValues, path.Child("accessModes").Index(i))...)
	}
	q, ok := s.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		errs = append(errs, field.Required(path.Child("resources").Key(string(corev1.ResourceStorage)), ""))
	} else if q.Sign() <= 0 {
		errs = append(errs, field.Invalid(path.Child("resources", "requests").Key(string(corev1.ResourceStorage)), q.String(), "must be greater than zero"))
	}
	return errs
}

func validateStorage(obj, old any) field.ErrorList {
	switch o := obj.(type) {
	case *corev1.PersistentVolumeClaim:
		errs := validateClaimSpec(&o.Spec, field.NewPath("spec"))
		if prev, ok := old.(*corev1.PersistentVolumeClaim); ok {
			a, b := o.Spec.DeepCopy(), prev.Spec.DeepCopy()
			a.Resources, b.Resources = corev1.VolumeResourceRequirements{}, corev1.VolumeResourceRequirements{}
			if b.VolumeName == "" {
				a.VolumeName = "" // binding sets it
			}
			if b.StorageClassName == nil {
				a.StorageClassName = nil // the default class may be set once
			}
			if !reflect.DeepEqual(a, b) {
				errs = append(errs, field.Forbidden(field.NewPath("spec"),
					"spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
			}
		}
		return errs
	case *corev1.PersistentVolume:
		var errs field.ErrorList
		path := field.NewPath("spec")
		if len(o.Spec.AccessModes) == 0 {
			errs = append(errs, field.Required(path.Child("accessModes"), "must specify at least 1 access mode"))
		}
		if _, ok := o.Spec.Capacity[corev1.ResourceStorage]; !ok {
			errs = append(errs, field.Required(path.Child("capacity"), "must specify storage"))
		}
		errs = append(errs, oneOf(o.Spec.PersistentVolumeReclaimPolicy, reclaimPolicies, path.Child("persistentVolumeReclaimPolicy"))...)
		if o.Spec.Local == nil && o.Spec.HostPath == nil {
			errs = append(errs, field.Required(path, "must specify a volume type: local or hostPath (the ones Jetplane's nodes provide)"))
		}
		return errs
	case *storagev1.StorageClass:
		var errs field.ErrorList
		if o.Provisioner == "" {
			errs = append(errs, field.Required(field.NewPath("provisioner"), ""))
		}
		if o.VolumeBindingMode != nil {
			errs = append(errs, oneOf(*o.VolumeBindingMode, bindingModes, field.NewPath("volumeBindingMode"))...)
		}
		if prev, ok := old.(*storagev1.StorageClass); ok && (o.Provisioner != prev.Provisioner || !reflect.DeepEqual(o.Parameters, prev.Parameters)) {
			errs = append(errs, field.Forbidden(field.NewPath(""), "updates to provisioner, parameters, reclaimPolicy and volumeBindingMode are forbidden"))
		}
		return errs
	}
	return nil
}

var (
	claimColumns = []metav1.TableColumnDefinition{nameColumn,
		column("Status", "string", "", 0), column("Volume", "string", "", 0), column("Capacity", "string", "", 0),
		column("Access Modes", "string", "", 0), column("StorageClass", "string", "", 0),
		column("VolumeAttributesClass", "string", "", 0), ageColumn, column("VolumeMode", "string", "", 1)}
	volumeColumns = []metav1.TableColumnDefinition{nameColumn,
		column("Capacity", "string", "", 0), column("Access Modes", "string", "", 0), column("Reclaim Policy", "string", "", 0),
		column("Status", "string", "", 0), column("Claim", "string", "", 0), column("StorageClass", "string", "", 0),
		column("VolumeAttributesClass", "string", "", 0), column("Reason", "string", "", 0), ageColumn, column("VolumeMode", "string", "", 1)}
	storageClassColumns = []metav1.TableColumnDefinition{nameColumn,
		column("Provisioner", "string", "", 0), column("ReclaimPolicy", "string", "", 0), column("VolumeBindingMode", "string", "", 0),
		column("AllowVolumeExpansion", "string", "", 0), ageColumn}
)

func claimCells(obj events.Object, now time.Time) ([]interface{}, error) {
	c, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a PersistentVolumeClaim", errWrongType, obj)
	}
	capacity := ""
	if q, ok := c.Status.Capacity[corev1.ResourceStorage]; ok {
		capacity = q.String()
	}
	return []interface{}{c.Name, string(c.Status.Phase), c.Spec.VolumeName, capacity, accessModes(c.Status.AccessModes),
		deref(c.Spec.StorageClassName), orUnset(deref(c.Spec.VolumeAttributesClassName)), age(c, now), string(deref(c.Spec.VolumeMode))}, nil
}

func volumeCells(obj events.Object, now time.Time) ([]interface{}, error) {
	v, ok := obj.(*corev1.PersistentVolume)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a PersistentVolume", errWrongType, obj)
	}
	q := v.Spec.Capacity[corev1.ResourceStorage]
	claim := ""
	if r := v.Spec.ClaimRef; r != nil {
		claim = r.Namespace + "/" + r.Name
	}
	return []interface{}{v.Name, q.String(), accessModes(v.Spec.AccessModes), string(v.Spec.PersistentVolumeReclaimPolicy),
		string(v.Status.Phase), claim, v.Spec.StorageClassName, orUnset(deref(v.Spec.VolumeAttributesClassName)), v.Status.Reason,
		age(v, now), string(deref(v.Spec.VolumeMode))}, nil
}

func storageClassCells(obj events.Object, now time.Time) ([]interface{}, error) {
	sc, ok := obj.(*storagev1.StorageClass)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a StorageClass", errWrongType, obj)
	}
	name := sc.Name
	if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
		name += " (default)"
	}
	expand := "false"
	if sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion {
		expand = "true"
	}
	return []interface{}{name, sc.Provisioner, string(deref(sc.ReclaimPolicy)), string(deref(sc.VolumeBindingMode)), expand, age(sc, now)}, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func orUnset(s string) string {
	if s == "" {
		return "<unset>"
	}
	return s
}
