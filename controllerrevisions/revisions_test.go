package controllerrevisions

import (
	"encoding/json"
	"testing"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOf(t *testing.T) {
	set := func(image string) events.Object {
		return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "u"},
			Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}}}}
	}
	// v1, a status-only change, v2, then back to v1 (a rollback).
	revs, err := Of([]events.Object{set("v1"), set("v1"), set("v2"), set("v1"), &corev1.Pod{}})
	if err != nil || len(revs) != 2 {
		t.Fatalf("%d revisions, %v", len(revs), err)
	}
	images := map[int64]string{}
	for _, r := range revs {
		var p struct {
			Spec struct {
				Template struct {
					Patch string         `json:"$patch"`
					Spec  corev1.PodSpec `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(r.Data.Raw, &p); err != nil || p.Spec.Template.Patch != "replace" {
			t.Fatalf("data %s: %v", r.Data.Raw, err)
		}
		images[r.Revision] = p.Spec.Template.Spec.Containers[0].Image
		if r.Labels["app"] != "web" || r.Labels[appsv1.ControllerRevisionHashLabelKey] == "" || r.OwnerReferences[0].UID != "u" {
			t.Fatalf("revision %+v", r.ObjectMeta)
		}
	}
	if images[2] != "v2" || images[3] != "v1" {
		t.Fatalf("revisions %v: want v2 as 2 and v1, taken up again, as 3", images)
	}
}
