package gc

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func ref(uid string) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs-" + uid, UID: types.UID(uid)}
}

func TestDecide(t *testing.T) {
	states := map[types.UID]OwnerState{"live": Present, "gone": Absent, "gone2": Absent, "alien": Unknown,
		"fg": DeletingDependents, "orphaning": Orphaning}
	owner := func(r metav1.OwnerReference) OwnerState { return states[r.UID] }
	tests := []struct {
		name        string
		in          Input
		want        Action
		wantKeepUID []types.UID
		propagation metav1.DeletionPropagation
	}{
		{"no owners", Input{Owner: owner}, Keep, nil, ""},
		{"owner present", Input{References: []metav1.OwnerReference{ref("live")}, Owner: owner}, Keep, nil, ""},
		{"only owner gone", Input{References: []metav1.OwnerReference{ref("gone")}, Owner: owner}, Delete, nil, ""},
		{"every owner gone", Input{References: []metav1.OwnerReference{ref("gone"), ref("gone2")}, Owner: owner}, Delete, nil, ""},
		{"one of two gone", Input{References: []metav1.OwnerReference{ref("gone"), ref("live")}, Owner: owner}, RemoveOwners, []types.UID{"live"}, ""},
		{"unknown kinds never delete", Input{References: []metav1.OwnerReference{ref("alien")}, Owner: owner}, Keep, nil, ""},
		{"unknown kept beside a gone one", Input{References: []metav1.OwnerReference{ref("alien"), ref("gone")}, Owner: owner}, RemoveOwners, []types.UID{"alien"}, ""},
		{"already terminating", Input{References: []metav1.OwnerReference{ref("gone")}, Owner: owner, Terminating: true}, Keep, nil, ""},
		{"namespace gone", Input{References: []metav1.OwnerReference{ref("live")}, Owner: owner, NamespaceGone: true}, Delete, nil, ""},
		{"namespace gone, no owners", Input{NamespaceGone: true}, Delete, nil, ""},
		{"owner in foreground deletion", Input{References: []metav1.OwnerReference{ref("fg")}, Owner: owner}, Delete, nil, ""},
		{"owner in foreground, dependents of its own", Input{References: []metav1.OwnerReference{ref("fg")}, Owner: owner, HasDependents: true},
			Delete, nil, metav1.DeletePropagationForeground},
		{"foreground owner beside a live one", Input{References: []metav1.OwnerReference{ref("fg"), ref("live")}, Owner: owner}, RemoveOwners, []types.UID{"live"}, ""},
		{"foreground owner beside a gone one", Input{References: []metav1.OwnerReference{ref("fg"), ref("gone")}, Owner: owner}, Delete, nil, ""},
		{"terminating under a foreground owner", Input{References: []metav1.OwnerReference{ref("fg")}, Owner: owner, Terminating: true}, Keep, nil, ""},
		{"orphaning owner dropped", Input{References: []metav1.OwnerReference{ref("orphaning")}, Owner: owner}, RemoveOwners, nil, ""},
		{"orphaning owner dropped, live kept", Input{References: []metav1.OwnerReference{ref("live"), ref("orphaning")}, Owner: owner}, RemoveOwners, []types.UID{"live"}, ""},
		{"orphaning owner dropped first, gone one later", Input{References: []metav1.OwnerReference{ref("gone"), ref("orphaning")}, Owner: owner}, RemoveOwners, []types.UID{"gone"}, ""},
		{"terminating dependent still drops an orphaning owner", Input{References: []metav1.OwnerReference{ref("orphaning")}, Owner: owner, Terminating: true}, RemoveOwners, nil, ""},
		{"no owner function: all present", Input{References: []metav1.OwnerReference{ref("gone")}}, Keep, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.in)
			if d.Action != tt.want || d.Propagation != tt.propagation {
				t.Fatalf("action %v %q, want %v %q", d.Action, d.Propagation, tt.want, tt.propagation)
			}
			if len(d.Keep) != len(tt.wantKeepUID) {
				t.Fatalf("keep %+v, want %v", d.Keep, tt.wantKeepUID)
			}
			for i, uid := range tt.wantKeepUID {
				if d.Keep[i].UID != uid {
					t.Fatalf("keep %+v, want %v", d.Keep, tt.wantKeepUID)
				}
			}
		})
	}
}

func TestFinalize(t *testing.T) {
	const orphan, fg, other = metav1.FinalizerOrphanDependents, metav1.FinalizerDeleteDependents, "example.com/other"
	blocking, loose := Dependent{Blocking: true}, Dependent{}
	tests := []struct {
		name    string
		in      FinalizerInput
		want    []string
		changed bool
	}{
		{"not being deleted", FinalizerInput{Finalizers: []string{orphan}}, []string{orphan}, false},
		{"orphan waits for dependents", FinalizerInput{Deleting: true, Finalizers: []string{orphan}, Dependents: []Dependent{loose}}, []string{orphan}, false},
		{"orphan done", FinalizerInput{Deleting: true, Finalizers: []string{orphan}}, nil, true},
		{"foreground waits for blocking dependents", FinalizerInput{Deleting: true, Finalizers: []string{fg}, Dependents: []Dependent{loose, blocking}}, []string{fg}, false},
		{"foreground ignores loose dependents", FinalizerInput{Deleting: true, Finalizers: []string{fg}, Dependents: []Dependent{loose}}, nil, true},
		{"other finalizers stay", FinalizerInput{Deleting: true, Finalizers: []string{other, fg}}, []string{other}, true},
		{"only others", FinalizerInput{Deleting: true, Finalizers: []string{other}}, []string{other}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := Finalize(tt.in)
			if changed != tt.changed || len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Fatalf("%v %v, want %v %v", got, changed, tt.want, tt.changed)
			}
		})
	}
}
