package restore

import (
	"fmt"
	"testing"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func deploy(ns, name, image string, replicas int32, uid string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid), Labels: map[string]string{"app": name}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To(replicas), Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}}},
		Status: appsv1.DeploymentStatus{Replicas: replicas, ReadyReplicas: replicas},
	}
}

func generation(d *appsv1.Deployment, g int64) *appsv1.Deployment {
	d.Generation = g
	return d
}

func pod(ns, name string, owner string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name)},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	if owner != "" {
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: owner, UID: "rs", Controller: ptr.To(true)}}
	}
	return p
}

func ns(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)}}
}

func key(obj events.Object, resource string) Key {
	return Key{Resource: resource, Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

func TestDecide(t *testing.T) {
	terminating := deploy("default", "going", "x:1", 1, "u-going")
	terminating.DeletionTimestamp = &metav1.Time{}
	relabelled := deploy("default", "web", "x:1", 2, "u-web")
	relabelled.Labels = map[string]string{"app": "web", "tier": "new"}
	cases := []struct {
		name       string
		past, now  []events.Object
		resources  []string // resource of each object, past then now
		namespace  string
		tombstones map[Key]uint64
		want       []string // "action resource ns/name"
		check      func(t *testing.T, chs []Change)
	}{
		{name: "nothing changed",
			past: []events.Object{deploy("default", "web", "x:1", 2, "u-web")}, now: []events.Object{deploy("default", "web", "x:1", 2, "u-web")},
			resources: []string{"deployments", "deployments"}},
		{name: "a deleted deployment comes back with its identity and no status",
			past: []events.Object{deploy("default", "web", "x:1", 2, "u-web")}, resources: []string{"deployments"},
			tombstones: map[Key]uint64{{"deployments", "default", "web"}: 42},
			want:       []string{"create deployments default/web"},
			check: func(t *testing.T, chs []Change) {
				d := chs[0].Object.(*appsv1.Deployment)
				if d.UID != "u-web" || d.Status.Replicas != 0 || *d.Spec.Replicas != 2 || chs[0].Expected != 42 {
					t.Fatalf("recreated %+v expecting %d", d, chs[0].Expected)
				}
			}},
		{name: "a changed spec is reverted, status and identity stay, generation moves on",
			past: []events.Object{deploy("default", "web", "x:1", 2, "u-web")}, now: []events.Object{generation(deploy("default", "web", "x:2", 5, "u-web2"), 3)},
			resources: []string{"deployments", "deployments"},
			want:      []string{"update deployments default/web"},
			check: func(t *testing.T, chs []Change) {
				d := chs[0].Object.(*appsv1.Deployment)
				if d.UID != "u-web2" || d.Spec.Template.Spec.Containers[0].Image != "x:1" || *d.Spec.Replicas != 2 || d.Status.Replicas != 5 ||
					chs[0].Expected != 7 || d.Generation != 4 {
					t.Fatalf("reverted %+v expecting %d", d, chs[0].Expected)
				}
			}},
		{name: "changed labels are reverted",
			past: []events.Object{deploy("default", "web", "x:1", 2, "u-web")}, now: []events.Object{relabelled},
			resources: []string{"deployments", "deployments"},
			want:      []string{"update deployments default/web"},
			check: func(t *testing.T, chs []Change) {
				if l := chs[0].Object.GetLabels(); len(l) != 1 || l["app"] != "web" {
					t.Fatalf("labels %v", l)
				}
			}},
		{name: "an object created since is deleted; one already terminating is left alone",
			now: []events.Object{deploy("default", "new", "x:1", 1, "u-new"), terminating}, resources: []string{"deployments", "deployments"},
			want: []string{"delete deployments default/new"}},
		{name: "controller-owned pods, endpoints and nodes are left to their services",
			past:      []events.Object{pod("default", "old", "rs"), &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "svc"}}},
			now:       []events.Object{pod("default", "new", "rs"), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}},
			resources: []string{"pods", "endpoints", "pods", "nodes"}},
		{name: "a bare pod created since is deleted, a bare pod deleted since comes back pending",
			past: []events.Object{pod("default", "was", "")}, now: []events.Object{pod("default", "is", "")},
			resources: []string{"pods", "pods"},
			want:      []string{"create pods default/was", "delete pods default/is"},
			check: func(t *testing.T, chs []Change) {
				if p := chs[0].Object.(*corev1.Pod); p.Status.Phase != "" {
					t.Fatalf("recreated pod status %+v", p.Status)
				}
			}},
		{name: "a deleted namespace is created before what it holds; a new one is deleted last",
			past:      []events.Object{ns("team"), deploy("team", "api", "x:1", 1, "u-api")},
			now:       []events.Object{ns("later"), deploy("later", "x", "x:1", 1, "u-x")},
			resources: []string{"namespaces", "deployments", "namespaces", "deployments"},
			want: []string{"create namespaces /team", "create deployments team/api",
				"delete deployments later/x", "delete namespaces /later"}},
		{name: "a namespace-scoped restore touches only that namespace",
			past:      []events.Object{deploy("a", "web", "x:1", 1, "u1"), deploy("b", "web", "x:1", 1, "u2")},
			namespace: "a", resources: []string{"deployments", "deployments"},
			want: []string{"create deployments a/web"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Past: map[Key]events.Object{}, Now: map[Key]Current{}, Tombstones: c.tombstones, Namespace: c.namespace}
			i := 0
			for _, o := range c.past {
				in.Past[key(o, c.resources[i])] = o
				i++
			}
			for _, o := range c.now {
				in.Now[key(o, c.resources[i])] = Current{Object: o, Seq: 7}
				i++
			}
			chs := Decide(in)
			var got []string
			for _, ch := range chs {
				got = append(got, fmt.Sprintf("%s %s %s/%s", ch.Action, ch.Key.Resource, ch.Key.Namespace, ch.Key.Name))
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v\nwant %v", got, c.want)
			}
			if c.check != nil {
				c.check(t, chs)
			}
		})
	}
}
