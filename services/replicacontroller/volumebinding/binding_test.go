package volumebinding

import (
	"fmt"
	"testing"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func claim(class string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "ns", UID: "c1", ResourceVersion: "3"},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}
}

func volume(name, class, size string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "2"},
		Spec: corev1.PersistentVolumeSpec{StorageClassName: class, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable}}
}

func summary(r workload.Result) string {
	var out []string
	for _, c := range r.Changes {
		out = append(out, fmt.Sprintf("%s %s %s", c.Action, c.Resource, c.Object.GetName()))
	}
	return fmt.Sprint(out)
}

func TestDecideClaim(t *testing.T) {
	local := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local-path"}, Provisioner: LocalPathProvisioner}
	for _, tt := range []struct {
		name string
		in   ClaimInput
		want string
	}{
		{"waits for its first consumer's node", ClaimInput{Claim: claim("local-path"), Class: local, Provisioner: LocalPathProvisioner}, "[]"},
		{"provisions on that node", ClaimInput{Claim: claim("local-path"), Class: local, Provisioner: LocalPathProvisioner, Node: "n1", Root: "/lp"},
			"[created persistentvolumes pvc-c1 updated persistentvolumeclaims data status persistentvolumeclaims data]"},
		{"binds the smallest volume that fits", ClaimInput{Claim: claim("manual"), Volumes: []*corev1.PersistentVolume{
			volume("big", "manual", "10Gi"), volume("small", "manual", "2Gi"), volume("tiny", "manual", "100Mi"), volume("other", "x", "1Gi")}},
			"[updated persistentvolumes small status persistentvolumes small updated persistentvolumeclaims data status persistentvolumeclaims data]"},
		{"no fit: waits", ClaimInput{Claim: claim("manual"), Volumes: []*corev1.PersistentVolume{volume("tiny", "manual", "100Mi")}}, "[]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(DecideClaim(tt.in)); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	res := DecideClaim(ClaimInput{Claim: claim("local-path"), Class: local, Provisioner: LocalPathProvisioner, Node: "n1", Root: "/lp"})
	pv := res.Changes[0].Object.(*corev1.PersistentVolume)
	if pv.Spec.Local.Path != "/lp/pvc-c1_ns_data" || pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Values[0] != "n1" ||
		pv.Spec.ClaimRef.UID != "c1" || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		t.Fatalf("provisioned %+v", pv.Spec)
	}
	bound := res.Changes[2].Object.(*corev1.PersistentVolumeClaim)
	if bound.Status.Phase != corev1.ClaimBound || bound.Spec.VolumeName != "pvc-c1" || bound.Annotations[SelectedNodeAnnotation] != "n1" {
		t.Fatalf("claim %+v", bound)
	}
}

func TestDecideVolume(t *testing.T) {
	gone := func(string, string) *corev1.PersistentVolumeClaim { return nil }
	released := volume("v", "manual", "1Gi")
	released.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "ns", Name: "data", UID: "c1"}
	released.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	if got := summary(DecideVolume(released, gone)); got != "[status persistentvolumes v]" {
		t.Fatalf("retain: %s", got)
	}
	released.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimDelete
	if got := summary(DecideVolume(released, gone)); got != "[deleted persistentvolumes v]" {
		t.Fatalf("delete: %s", got)
	}
	still := func(string, string) *corev1.PersistentVolumeClaim { c := claim("manual"); return c }
	released.Status.Phase = corev1.VolumeBound
	if got := summary(DecideVolume(released, still)); got != "[]" {
		t.Fatalf("bound and claimed: %s", got)
	}
}

func TestReclaimedDirectory(t *testing.T) {
	local := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local-path"}, Provisioner: LocalPathProvisioner}
	res := DecideClaim(ClaimInput{Claim: claim("local-path"), Class: local, Provisioner: LocalPathProvisioner, Node: "n1", Root: "/lp"})
	made := res.Changes[0].Object.(*corev1.PersistentVolume)
	gone := func(string, string) types.UID { return "" }
	edit := func(f func(*corev1.PersistentVolume)) *corev1.PersistentVolume { v := made.DeepCopy(); f(v); return v }
	for _, tt := range []struct {
		name  string
		pv    *corev1.PersistentVolume
		node  string
		claim func(string, string) types.UID
		want  string
	}{
		{"its node removes a provisioned volume whose claim is gone", made, "n1", gone, "/lp/pvc-c1_ns_data"},
		{"another node keeps it", made, "n2", gone, ""},
		{"a claim that still holds it keeps it", made, "n1", func(string, string) types.UID { return "c1" }, ""},
		{"a new claim of the same name does not", made, "n1", func(string, string) types.UID { return "c2" }, "/lp/pvc-c1_ns_data"},
		{"Retain keeps it", edit(func(v *corev1.PersistentVolume) {
			v.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
		}), "n1", gone, ""},
		{"an administrator's volume is kept", edit(func(v *corev1.PersistentVolume) { delete(v.Annotations, ProvisionedByAnnotation) }), "n1", gone, ""},
		{"a path this provisioner did not name is kept", edit(func(v *corev1.PersistentVolume) { v.Spec.Local.Path = "/home" }), "n1", gone, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ReclaimedDirectory(tt.pv, tt.node, tt.claim)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("got %q %v, want %q", got, ok, tt.want)
			}
		})
	}
}
