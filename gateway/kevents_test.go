package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestEventsAreDerivedFromTheLog(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("web-1", nil, "")).into(t, &p)
	// The scheduler binds it and the agent starts it, writing as services do.
	p.Spec.NodeName = "n1"
	sched, err := g.log.Write(t.Context(), events.ServiceOrigin("scheduler", "t"),
		events.Write{Resource: events.MustLookup("pods"), Change: "scheduled", Object: &p, Expected: parseRV(t, p.ResourceVersion)})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "jetplane/hello:1", Ready: true,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}
	if _, err := g.log.Write(t.Context(), events.Origin{Source: "jetplane/nodeagent/n1", Actor: "system:node:n1"},
		events.Write{Resource: events.MustLookup("pods"), Change: "running", Object: &p, Expected: sched.Seq}); err != nil {
		t.Fatal(err)
	}

	var list corev1.EventList
	g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/events?fieldSelector="+
		"involvedObject.name%3Dweb-1,involvedObject.kind%3DPod", nil).into(t, &list)
	var reasons []string
	for _, e := range list.Items {
		reasons = append(reasons, e.Reason)
		if e.InvolvedObject.UID != p.UID {
			t.Fatalf("event about %+v", e.InvolvedObject)
		}
	}
	if strings.Join(reasons, ",") != "Scheduled,Pulled,Created,Started" || list.ResourceVersion == "" {
		t.Fatalf("events of web-1: %v (rv %q)", reasons, list.ResourceVersion)
	}
	tbl := g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/events", nil,
		"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	if body := string(tbl.body); !strings.Contains(body, `"name":"Last Seen"`) || !strings.Contains(body, "pod/web-1") {
		t.Fatalf("table: %s", body)
	}
	var one corev1.Event
	g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/events/"+list.Items[0].Name, nil).into(t, &one)
	if one.Reason != "Scheduled" {
		t.Fatalf("get one event: %+v", one)
	}
	g.must(http.StatusBadRequest, "GET", "/api/v1/namespaces/default/events?fieldSelector=spec.nodeName%3Dn1", nil)
}
