package apis

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// notActedOnSuffix ends every warning about a stored but ignored field.
const notActedOnSuffix = "stored but not acted on by Jetplane yet"

// ignoredField is one field Jetplane stores but does not act on. set
// returns the paths, relative to the pod spec, where the field is set.
type ignoredField struct {
	name string // documents the entry; paths come from set
	set  func(spec *corev1.PodSpec) []string
}

// fieldsNotActedOn lists the pod spec fields Jetplane stores but ignores.
// Remove an entry when the feature lands.
var fieldsNotActedOn = []ignoredField{
	{name: "volumes of types no node provides", set: unprovidedVolumes},
	podField("initContainers", func(s *corev1.PodSpec) bool { return len(s.InitContainers) > 0 }),
	podField("affinity.podAffinity", func(s *corev1.PodSpec) bool { return s.Affinity != nil && s.Affinity.PodAffinity != nil }),
	podField("affinity.podAntiAffinity", func(s *corev1.PodSpec) bool { return s.Affinity != nil && s.Affinity.PodAntiAffinity != nil }),
	podField("securityContext", func(s *corev1.PodSpec) bool {
		return s.SecurityContext != nil && !apiequality.Semantic.DeepEqual(*s.SecurityContext, corev1.PodSecurityContext{})
	}),
	podField("hostNetwork", func(s *corev1.PodSpec) bool { return s.HostNetwork }),
}

// unprovidedVolumes are the paths of the volume sources Jetplane's nodes
// do not provide (they provide emptyDir, hostPath, configMap, secret,
// downwardAPI, persistentVolumeClaim and projected ones of those and of
// serviceAccountToken).
func unprovidedVolumes(s *corev1.PodSpec) []string {
	var out []string
	for i, v := range s.Volumes {
		src := reflect.ValueOf(v.VolumeSource)
		for f := 0; f < src.NumField(); f++ {
			if src.Field(f).IsNil() {
				continue
			}
			name, _, _ := strings.Cut(src.Type().Field(f).Tag.Get("json"), ",")
			switch name {
			case "emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "persistentVolumeClaim":
			case "projected":
				for j, p := range v.Projected.Sources {
					if p.ClusterTrustBundle != nil || p.PodCertificate != nil {
						out = append(out, fmt.Sprintf("volumes[%d].projected.sources[%d]", i, j))
					}
				}
			default:
				out = append(out, fmt.Sprintf("volumes[%d].%s", i, name))
			}
		}
	}
	return out
}

// Warnings returns one message per set field of obj that Jetplane stores
// but does not act on, for the gateway's Warning headers.
func Warnings(res events.Resource, obj events.Object) []string {
	var spec *corev1.PodSpec
	prefix := "spec.template.spec."
	switch o := obj.(type) {
	case *corev1.Pod:
		spec, prefix = &o.Spec, "spec."
	case *appsv1.Deployment:
		spec = &o.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		spec = &o.Spec.Template.Spec
	case *appsv1.DaemonSet:
		spec = &o.Spec.Template.Spec
	case *appsv1.StatefulSet:
		spec = &o.Spec.Template.Spec
	case *corev1.ReplicationController:
		if o.Spec.Template == nil {
			return nil
		}
		spec = &o.Spec.Template.Spec
	case *batchv1.Job:
		spec = &o.Spec.Template.Spec
	case *batchv1.CronJob:
		spec, prefix = &o.Spec.JobTemplate.Spec.Template.Spec, "spec.jobTemplate.spec.template.spec."
	default:
		return nil
	}
	out := jobFieldWarnings(obj)
	for _, f := range fieldsNotActedOn {
		for _, path := range f.set(spec) {
			out = append(out, prefix+path+": "+notActedOnSuffix)
		}
	}
	return out
}

// podField is a pod-level field, reported under its own name when set.
func podField(name string, isSet func(*corev1.PodSpec) bool) ignoredField {
	return ignoredField{name: name, set: func(s *corev1.PodSpec) []string { return ifSet(isSet(s), name) }}
}

func ifSet(set bool, path string) []string {
	if set {
		return []string{path}
	}
	return nil
}

// jobFieldWarnings names the Job fields Jetplane stores but does not act on
// yet, for Jobs and CronJobs' job templates.
func jobFieldWarnings(obj events.Object) []string {
	var spec *batchv1.JobSpec
	prefix := "spec."
	switch o := obj.(type) {
	case *batchv1.Job:
		spec = &o.Spec
	case *batchv1.CronJob:
		spec, prefix = &o.Spec.JobTemplate.Spec, "spec.jobTemplate.spec."
	default:
		return nil
	}
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"completionMode", spec.CompletionMode != nil && *spec.CompletionMode == batchv1.IndexedCompletion},
		{"podFailurePolicy", spec.PodFailurePolicy != nil},
		{"successPolicy", spec.SuccessPolicy != nil},
		{"backoffLimitPerIndex", spec.BackoffLimitPerIndex != nil},
		{"maxFailedIndexes", spec.MaxFailedIndexes != nil},
		{"ttlSecondsAfterFinished", spec.TTLSecondsAfterFinished != nil},
		{"podReplacementPolicy", spec.PodReplacementPolicy != nil && *spec.PodReplacementPolicy == batchv1.Failed},
	} {
		if f.set {
			out = append(out, prefix+f.name+": "+notActedOnSuffix)
		}
	}
	return out
}
