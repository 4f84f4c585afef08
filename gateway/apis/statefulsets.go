package apis

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jetplane/jetplane/defaulting"
	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// StatefulSets, validated and defaulted as kube-apiserver does.

var (
	podManagementPolicies = []appsv1.PodManagementPolicyType{appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement}
	statefulSetStrategies = []appsv1.StatefulSetUpdateStrategyType{appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType}
	retentionPolicies     = []appsv1.PersistentVolumeClaimRetentionPolicyType{appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		appsv1.DeletePersistentVolumeClaimRetentionPolicyType}
)

func defaultStatefulSet(s *appsv1.StatefulSet) {
	sp := &s.Spec
	if sp.Replicas == nil {
		sp.Replicas = ptrTo(int32(1))
	}
	if sp.PodManagementPolicy == "" {
		sp.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	if sp.UpdateStrategy.Type == "" {
		sp.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
	}
	if sp.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType {
		if sp.UpdateStrategy.RollingUpdate == nil {
			sp.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
		if sp.UpdateStrategy.RollingUpdate.Partition == nil {
			sp.UpdateStrategy.RollingUpdate.Partition = ptrTo(int32(0))
		}
	}
	if sp.RevisionHistoryLimit == nil {
		sp.RevisionHistoryLimit = ptrTo(defaultRevisionHistoryLimit)
	}
	if sp.PersistentVolumeClaimRetentionPolicy == nil {
		sp.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if p := sp.PersistentVolumeClaimRetentionPolicy; p.WhenDeleted == "" || p.WhenScaled == "" {
		if p.WhenDeleted == "" {
			p.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
		}
		if p.WhenScaled == "" {
			p.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
		}
	}
	if len(sp.Template.Labels) > 0 && len(s.Labels) == 0 {
		s.Labels = copyLabels(sp.Template.Labels)
	}
	defaulting.PodSpec(&sp.Template.Spec)
	for i := range sp.VolumeClaimTemplates {
		defaultClaimSpec(&sp.VolumeClaimTemplates[i].Spec)
	}
}

func validateStatefulSet(s, old *appsv1.StatefulSet) field.ErrorList {
	path := field.NewPath("spec")
	sp := &s.Spec
	errs := validateReplicas(sp.Replicas, path.Child("replicas"))
	errs = append(errs, validateSelectedTemplate(sp.Selector, &sp.Template, "statefulset", path)...)
	errs = append(errs, oneOf(sp.PodManagementPolicy, podManagementPolicies, path.Child("podManagementPolicy"))...)
	up := path.Child("updateStrategy")
	errs = append(errs, oneOf(sp.UpdateStrategy.Type, statefulSetStrategies, up.Child("type"))...)
	if ru := sp.UpdateStrategy.RollingUpdate; ru != nil {
		if sp.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
			errs = append(errs, field.Invalid(up.Child("rollingUpdate"), ru, "only allowed for updateStrategy 'RollingUpdate'"))
		}
		if ru.Partition != nil {
			errs = append(errs, nonNegative(*ru.Partition, up.Child("rollingUpdate", "partition"))...)
		}
	}
	if p := sp.PersistentVolumeClaimRetentionPolicy; p != nil {
		rp := path.Child("persistentVolumeClaimRetentionPolicy")
		errs = append(errs, oneOf(p.WhenDeleted, retentionPolicies, rp.Child("whenDeleted"))...)
		errs = append(errs, oneOf(p.WhenScaled, retentionPolicies, rp.Child("whenScaled"))...)
	}
	errs = append(errs, nonNegative(sp.MinReadySeconds, path.Child("minReadySeconds"))...)
	for i := range sp.VolumeClaimTemplates {
		errs = append(errs, validateClaimSpec(&sp.VolumeClaimTemplates[i].Spec, path.Child("volumeClaimTemplates").Index(i).Child("spec"))...)
	}
	if old == nil {
		return errs
	}
	// Only these may change, as kube-apiserver says.
	a, b := s.Spec.DeepCopy(), old.Spec.DeepCopy()
	for _, x := range []*appsv1.StatefulSetSpec{a, b} {
		x.Replicas, x.Ordinals, x.Template, x.UpdateStrategy = nil, nil, corev1.PodTemplateSpec{}, appsv1.StatefulSetUpdateStrategy{}
		x.PersistentVolumeClaimRetentionPolicy, x.MinReadySeconds = nil, 0
	}
	if !reflect.DeepEqual(a, b) {
		errs = append(errs, field.Forbidden(path, "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "+
			"'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
	}
	return errs
}

var statefulSetColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Ready", "string", "Number of the pod with ready state", 0),
	ageColumn,
	containersColumn,
	imagesColumn,
}

func statefulSetCells(obj events.Object, now time.Time) ([]interface{}, error) {
	s, ok := obj.(*appsv1.StatefulSet)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a StatefulSet", errWrongType, obj)
	}
	names, images := containerNamesAndImages(&s.Spec.Template.Spec)
	return []interface{}{s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, replicasOf(s.Spec.Replicas)), age(s, now), names, images}, nil
}

// accessModes is kubectl's short form of access modes (RWO,ROX,RWX,RWOP).
func accessModes(modes []corev1.PersistentVolumeAccessMode) string {
	short := map[corev1.PersistentVolumeAccessMode]string{corev1.ReadWriteOnce: "RWO", corev1.ReadOnlyMany: "ROX",
		corev1.ReadWriteMany: "RWX", corev1.ReadWriteOncePod: "RWOP"}
	var out []string
	for _, m := range modes {
		out = append(out, short[m])
	}
	return strings.Join(out, ",")
}

var controllerRevisionColumns = []metav1.TableColumnDefinition{nameColumn,
	column("Controller", "string", "Controller of the object", 0),
	column("Revision", "integer", appsv1.ControllerRevision{}.SwaggerDoc()["revision"], 0), ageColumn}

func controllerRevisionCells(obj events.Object, now time.Time) ([]interface{}, error) {
	cr, ok := obj.(*appsv1.ControllerRevision)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a ControllerRevision", errWrongType, obj)
	}
	controller := "<none>"
	if ref := metav1.GetControllerOfNoCopy(cr); ref != nil {
		controller = strings.ToLower(ref.Kind) + ".apps/" + ref.Name
	}
	return []interface{}{cr.Name, controller, cr.Revision, age(cr, now)}, nil
}
