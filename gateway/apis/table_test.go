package apis

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTableColumns(t *testing.T) {
	tests := []struct {
		resource string
		want     string // column names; wide-only ones marked with *
	}{
		{"pods", "Name Ready Status Restarts Age IP* Node* Nominated Node* Readiness Gates*"},
		{"deployments", "Name Ready Up-to-date Available Age Containers* Images* Selector*"},
		{"replicasets", "Name Desired Current Ready Age Containers* Images* Selector*"},
		{"services", "Name Type Cluster-IP External-IP Port(s) Age Selector*"},
		{"endpoints", "Name Endpoints Age"},
		{"nodes", "Name Status Roles Age Version Internal-IP* External-IP* OS-Image* Kernel-Version* Container-Runtime*"},
		{"namespaces", "Name Status Age"},
		{"daemonsets-not-yet-registered", "Name Age"},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			tbl, err := Table(events.Resource{Name: tt.resource}, nil, metav1.IncludeMetadata, now)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range tbl.ColumnDefinitions {
				n := c.Name
				if c.Priority == 1 {
					n += "*"
				}
				if c.Description == "" || (c.Type != "string" && c.Type != "integer") {
					t.Errorf("column %s: type %q, description %q", c.Name, c.Type, c.Description)
				}
				names = append(names, n)
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("columns %q, want %q", got, tt.want)
			}
			if tbl.ColumnDefinitions[0].Format != "name" || tbl.Kind != "Table" || tbl.APIVersion != "meta.k8s.io/v1" {
				t.Errorf("table head %+v %+v", tbl.TypeMeta, tbl.ColumnDefinitions[0])
			}
		})
	}
}

func runningPod(mutate func(*corev1.Pod)) *corev1.Pod {
	p := defaulted("pods", goodPod())
	p.Spec.NodeName = "node-1"
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.0.2",
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "hello", Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}
	mutate(p)
	return p
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func TestTableCells(t *testing.T) {
	deleting := metav1.NewTime(now)
	tests := []struct {
		name     string
		resource string
		obj      events.Object
		want     []interface{}
	}{
		{"running pod", "pods", runningPod(noChange),
			[]interface{}{"hello-1", "1/1", "Running", "0", "5m", "127.0.0.2", "node-1", "<none>", "<none>"}},
		{"pending pod", "pods", defaulted("pods", goodPod()),
			[]interface{}{"hello-1", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
		{"image never pulled", "pods", runningPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "hello", State: waiting("ErrImageNeverPull")}
		}), []interface{}{"hello-1", "0/1", "ErrImageNeverPull", "0", "5m", "127.0.0.2", "node-1", "<none>", "<none>"}},
		{"crash loop with restarts", "pods", runningPod(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "hello", RestartCount: 4, State: waiting("CrashLoopBackOff"),
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 1, FinishedAt: metav1.NewTime(now.Add(-90 * time.Second))}}}
		}), []interface{}{"hello-1", "0/1", "CrashLoopBackOff", "4 (90s ago)", "5m", "127.0.0.2", "node-1", "<none>", "<none>"}},
		{"completed", "pods", runningPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "hello", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}
		}), []interface{}{"hello-1", "0/1", "Completed", "0", "5m", "127.0.0.2", "node-1", "<none>", "<none>"}},
		{"exit code without reason", "pods", runningPod(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "hello", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}}
		}), []interface{}{"hello-1", "0/1", "ExitCode:2", "0", "5m", "127.0.0.2", "node-1", "<none>", "<none>"}},
		{"terminating", "pods", runningPod(func(p *corev1.Pod) { p.DeletionTimestamp = &deleting }),
			[]interface{}{"hello-1", "1/1", "Terminating", "0", "5m", "127.0.0.2", "node-1", "<none>", "<none>"}},
		{"init container running", "pods", runningPod(func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{helloContainer()}
			p.Status.Phase = corev1.PodPending
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "hello", State: waiting("PodInitializing")}
		}), []interface{}{"hello-1", "0/1", "Init:0/1", "0", "5m", "127.0.0.2", "node-1", "<none>", "<none>"}},
		{"readiness gates", "pods", runningPod(func(p *corev1.Pod) {
			p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}}
		}), []interface{}{"hello-1", "1/1", "Running", "0", "5m", "127.0.0.2", "node-1", "<none>", "0/1"}},
		{"pod without creation time", "pods", runningPod(func(p *corev1.Pod) { p.CreationTimestamp = metav1.Time{} }),
			[]interface{}{"hello-1", "1/1", "Running", "0", "<unknown>", "127.0.0.2", "node-1", "<none>", "<none>"}},
		{"deployment", "deployments", deployment(func(d *appsv1.Deployment) {
			d.Status = appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2}
		}), []interface{}{"hello", "2/3", int64(3), int64(2), "5m", "hello", "jetplane/hello:1", "app=hello"}},
		{"replicaset", "replicasets", replicaSet(func(rs *appsv1.ReplicaSet) {
			rs.Status = appsv1.ReplicaSetStatus{Replicas: 2, ReadyReplicas: 1}
		}), []interface{}{"hello-5d9c", int64(2), int64(2), int64(1), "5m", "hello", "jetplane/hello:1", "app=hello"}},
		{"cluster ip service", "services", service(func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.10" }),
			[]interface{}{"hello", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "5m", "app=hello"}},
		{"node port service", "services", service(func(s *corev1.Service) {
			s.Spec.Type, s.Spec.Ports[0].NodePort, s.Spec.Selector = corev1.ServiceTypeNodePort, 31472, nil
		}), []interface{}{"hello", "NodePort", "<none>", "<none>", "80:31472/TCP", "5m", "<none>"}},
		{"pending load balancer", "services", service(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer }),
			[]interface{}{"hello", "LoadBalancer", "<none>", "<pending>", "80/TCP", "5m", "app=hello"}},
		{"load balancer with ingress", "services", service(func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.168.1.10"}}
		}), []interface{}{"hello", "LoadBalancer", "<none>", "192.168.1.10", "80/TCP", "5m", "app=hello"}},
		{"external name", "services", service(func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = corev1.ServiceTypeExternalName, "db.example.com", nil
		}), []interface{}{"hello", "ExternalName", "<none>", "db.example.com", "<none>", "5m", "app=hello"}},
		{"endpoints", "endpoints", endpoints(noChange), []interface{}{"hello", "127.0.0.2:8080,10.0.0.3:8080", "5m"}},
		{"many endpoints", "endpoints", endpoints(func(e *corev1.Endpoints) {
			for _, ip := range []string{"10.0.0.4", "10.0.0.5", "10.0.0.6"} {
				e.Subsets[0].Addresses = append(e.Subsets[0].Addresses, corev1.EndpointAddress{IP: ip})
			}
		}), []interface{}{"hello", "127.0.0.2:8080,10.0.0.3:8080,10.0.0.4:8080 + 2 more...", "5m"}},
		{"no endpoints", "endpoints", endpoints(func(e *corev1.Endpoints) { e.Subsets = nil }), []interface{}{"hello", "<none>", "5m"}},
		{"ready node", "nodes", goodNode(), []interface{}{"node-1", "Ready", "<none>", "5m", "v1.32.0-jetplane",
			"192.168.1.10", "<none>", "Debian GNU/Linux 12", "6.1.0", "docker://27.0.1"}},
		{"cordoned not ready node with roles", "nodes", func() events.Object {
			n := goodNode()
			n.Spec.Unschedulable = true
			n.Status.Conditions[0].Status = corev1.ConditionFalse
			n.Labels = map[string]string{"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/control-plane": ""}
			n.Status.NodeInfo = corev1.NodeSystemInfo{}
			return n
		}(), []interface{}{"node-1", "NotReady,SchedulingDisabled", "control-plane,worker", "5m", "",
			"192.168.1.10", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"node without conditions", "nodes", func() events.Object {
			n := goodNode()
			n.Status.Conditions = nil
			return n
		}(), []interface{}{"node-1", "Unknown", "<none>", "5m", "v1.32.0-jetplane",
			"192.168.1.10", "<none>", "Debian GNU/Linux 12", "6.1.0", "docker://27.0.1"}},
		{"namespace", "namespaces", defaulted("namespaces", goodNamespace()), []interface{}{"team-a", "Active", "5m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, err := Table(res(tt.resource), []events.Object{tt.obj}, metav1.IncludeMetadata, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(tbl.Rows) != 1 {
				t.Fatalf("%d rows", len(tbl.Rows))
			}
			if got := tbl.Rows[0].Cells; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("cells\n%#v\nwant\n%#v", got, tt.want)
			}
			if len(tbl.Rows[0].Cells) != len(tbl.ColumnDefinitions) {
				t.Errorf("%d cells for %d columns", len(tbl.Rows[0].Cells), len(tbl.ColumnDefinitions))
			}
		})
	}
}

func TestTableRowObject(t *testing.T) {
	p := runningPod(noChange)
	p.TypeMeta = metav1.TypeMeta{} // as stored objects may come
	tests := []struct {
		name    string
		include metav1.IncludeObjectPolicy
		want    string // the row's "object" as JSON, prefix
	}{
		{"metadata", metav1.IncludeMetadata, `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"hello-1","namespace":"default","uid":"uid-hello-1","resourceVersion":"7"`},
		{"object", metav1.IncludeObject, `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"hello-1"`},
		{"none", metav1.IncludeNone, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, err := Table(res("pods"), []events.Object{p}, tt.include, now)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(tbl)
			if err != nil {
				t.Fatal(err)
			}
			var decoded struct {
				Rows []struct {
					Object json.RawMessage `json:"object"`
				} `json:"rows"`
			}
			if err := json.Unmarshal(data, &decoded); err != nil {
				t.Fatal(err)
			}
			if got := string(decoded.Rows[0].Object); !strings.HasPrefix(got, tt.want) {
				t.Errorf("row object %s, want prefix %s", got, tt.want)
			}
			if p.Kind != "" {
				t.Errorf("Table changed the caller's object")
			}
		})
	}
}

// The Table survives encoding/json as kubectl reads it: integer cells stay
// numbers, string cells strings, and the head is a meta.k8s.io/v1 Table.
func TestTableJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		objs     []events.Object
		wantJSON []string
	}{
		{"replicasets", "replicasets", []events.Object{replicaSet(noChange)},
			[]string{`"kind":"Table"`, `"apiVersion":"meta.k8s.io/v1"`, `"cells":["hello-5d9c",2,0,0,"5m","hello","jetplane/hello:1","app=hello"]`,
				`{"name":"Name","type":"string","format":"name","description":`, `"name":"Selector","type":"string","format":"","description":`}},
		{"pods", "pods", []events.Object{runningPod(noChange), defaulted("pods", goodPod())},
			[]string{`"cells":["hello-1","1/1","Running","0","5m","127.0.0.2","node-1","\u003cnone\u003e","\u003cnone\u003e"]`}},
		{"empty list", "services", nil, []string{`"rows":[]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, err := Table(res(tt.resource), tt.objs, metav1.IncludeMetadata, now)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(tbl)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.wantJSON {
				if !strings.Contains(string(data), w) {
					t.Errorf("JSON lacks %s:\n%s", w, data)
				}
			}
			var back metav1.Table
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			if len(back.Rows) != len(tt.objs) || !reflect.DeepEqual(back.ColumnDefinitions, tbl.ColumnDefinitions) {
				t.Errorf("round trip lost rows or columns: %d rows", len(back.Rows))
			}
			for i, row := range back.Rows {
				if len(row.Object.Raw) == 0 || len(row.Cells) != len(tbl.Rows[i].Cells) {
					t.Errorf("row %d decoded as %+v", i, row)
				}
			}
		})
	}
}

func TestTableWrongType(t *testing.T) {
	tests := []struct {
		resource string
		obj      events.Object
	}{
		{"pods", goodService()}, {"nodes", goodPod()}, {"deployments", goodReplicaSet()},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			if _, err := Table(res(tt.resource), []events.Object{tt.obj}, metav1.IncludeNone, now); err == nil {
				t.Errorf("no error for %T as %s", tt.obj, tt.resource)
			}
		})
	}
}
