package statefulset

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func set(replicas int32, policy appsv1.PodManagementPolicyType, image string) *appsv1.StatefulSet {
	zero := int32(0)
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "set-uid", Generation: 1, ResourceVersion: "5"},
		Spec: appsv1.StatefulSetSpec{Replicas: &replicas, ServiceName: "web", PodManagementPolicy: policy,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}},
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: &zero}},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}},
		}}
}

// pod is ordinal ord of s as its controller made it, healthy or not, at
// template revision rev.
func pod(s *appsv1.StatefulSet, ord int, healthy bool, rev string) *corev1.Pod {
	p := workload.NewPod(&s.Spec.Template, s.Namespace, PodName(s, ord), "", workload.ControllerRef(Kind, s))
	p.ResourceVersion = "10"
	p.Labels[RevisionHashLabel] = rev
	if healthy {
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now.Add(-time.Minute))}}
	}
	return p
}

func changes(r workload.Result) []string {
	var out []string
	for _, c := range r.Changes {
		if c.Action != workload.Status {
			out = append(out, fmt.Sprintf("%s %s %s", c.Action, c.Resource, c.Object.GetName()))
		}
	}
	return out
}

func TestDecide(t *testing.T) {
	noClaims := func(string) *corev1.PersistentVolumeClaim { return nil }
	claims := func(string) *corev1.PersistentVolumeClaim { return &corev1.PersistentVolumeClaim{} }
	ordered := set(3, appsv1.OrderedReadyPodManagement, "img:1")
	rev := Revision(ordered)
	old := "web-old"
	for _, tt := range []struct {
		name  string
		set   *appsv1.StatefulSet
		pods  []*corev1.Pod
		claim func(string) *corev1.PersistentVolumeClaim
		want  []string
	}{
		{"ordered: the first claim and pod only", ordered, nil, noClaims,
			[]string{"created persistentvolumeclaims data-web-0", "created pods web-0"}},
		{"ordered: the next once the first is ready", ordered, []*corev1.Pod{pod(ordered, 0, true, rev)}, claims,
			[]string{"created pods web-1"}},
		{"ordered: nothing while the first is not ready", ordered, []*corev1.Pod{pod(ordered, 0, false, rev)}, claims, nil},
		{"parallel: every pod at once", set(3, appsv1.ParallelPodManagement, "img:1"), nil, claims,
			[]string{"created pods web-0", "created pods web-1", "created pods web-2"}},
		{"ordered scale down: the highest ordinal first, alone", set(1, appsv1.OrderedReadyPodManagement, "img:1"),
			[]*corev1.Pod{pod(ordered, 0, true, rev), pod(ordered, 1, true, rev), pod(ordered, 2, true, rev)}, claims,
			[]string{"deleted pods web-2"}},
		{"parallel scale down: all at once", set(1, appsv1.ParallelPodManagement, "img:1"),
			[]*corev1.Pod{pod(ordered, 0, true, rev), pod(ordered, 1, true, rev), pod(ordered, 2, true, rev)}, claims,
			[]string{"deleted pods web-2", "deleted pods web-1"}},
		{"rolling update: the highest ordinal first", ordered,
			[]*corev1.Pod{pod(ordered, 0, true, old), pod(ordered, 1, true, old), pod(ordered, 2, true, old)}, claims,
			[]string{"deleted pods web-2"}},
		{"rolling update: then the next down once the updated one is ready", ordered,
			[]*corev1.Pod{pod(ordered, 0, true, old), pod(ordered, 1, true, old), pod(ordered, 2, true, rev)}, claims,
			[]string{"deleted pods web-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := changes(Decide(Input{StatefulSet: tt.set, Pods: tt.pods, Claim: tt.claim, Now: now}))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPartitionAndIdentity(t *testing.T) {
	s := set(3, appsv1.OrderedReadyPodManagement, "img:2")
	two := int32(2)
	s.Spec.UpdateStrategy.RollingUpdate.Partition = &two
	rev := Revision(s)
	s.Status.CurrentRevision = "web-old"
	pods := []*corev1.Pod{pod(s, 0, true, "web-old"), pod(s, 1, true, "web-old"), pod(s, 2, true, rev)}
	res := Decide(Input{StatefulSet: s, Pods: pods, Claim: func(string) *corev1.PersistentVolumeClaim { return &corev1.PersistentVolumeClaim{} }, Now: now})
	if got := changes(res); len(got) != 0 {
		t.Fatalf("below the partition nothing is replaced: %v", got)
	}
	st := res.Changes[len(res.Changes)-1].Object.(*appsv1.StatefulSet).Status
	if st.UpdatedReplicas != 1 || st.CurrentReplicas != 2 || st.ReadyReplicas != 3 || st.UpdateRevision != rev || st.CurrentRevision != "web-old" {
		t.Fatalf("status %+v", st)
	}
	// A new pod's identity: its name as hostname, the Service as subdomain,
	// its claim as the template's volume; a claim owned when whenDeleted is Delete.
	s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType}
	res = Decide(Input{StatefulSet: s, Claim: func(string) *corev1.PersistentVolumeClaim { return nil }, Now: now})
	c := res.Changes[0].Object.(*corev1.PersistentVolumeClaim)
	p := res.Changes[1].Object.(*corev1.Pod)
	if c.Name != "data-web-0" || len(c.OwnerReferences) != 1 || c.OwnerReferences[0].UID != "set-uid" || c.Labels["app"] != "web" {
		t.Fatalf("claim %+v", c.ObjectMeta)
	}
	if p.Spec.Hostname != "web-0" || p.Spec.Subdomain != "web" || p.Labels[PodNameLabel] != "web-0" || p.Labels[PodIndexLabel] != "0" ||
		len(p.Spec.Volumes) != 1 || p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-web-0" {
		t.Fatalf("pod %+v %+v", p.ObjectMeta, p.Spec)
	}
}
