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
	states := map[types.UID]OwnerState{"live": Present, "gone": Absent, "gone2": Absent, "alien": Unknown}
	owner := func(r metav1.OwnerReference) OwnerState { return states[r.UID] }
	tests := []struct {
		name        string
		in          Input
		want        Action
		wantKeepUID []types.UID
	}{
		{"no owners", Input{Owner: owner}, Keep, nil},
		{"owner present", Input{References: []metav1.OwnerReference{ref("live")}, Owner: owner}, Keep, nil},
		{"only owner gone", Input{References: []metav1.OwnerReference{ref("gone")}, Owner: owner}, Delete, nil},
		{"every owner gone", Input{References: []metav1.OwnerReference{ref("gone"), ref("gone2")}, Owner: owner}, Delete, nil},
		{"one of two gone", Input{References: []metav1.OwnerReference{ref("gone"), ref("live")}, Owner: owner}, RemoveOwners, []types.UID{"live"}},
		{"unknown kinds never delete", Input{References: []metav1.OwnerReference{ref("alien")}, Owner: owner}, Keep, nil},
		{"unknown kept beside a gone one", Input{References: []metav1.OwnerReference{ref("alien"), ref("gone")}, Owner: owner}, RemoveOwners, []types.UID{"alien"}},
		{"already terminating", Input{References: []metav1.OwnerReference{ref("gone")}, Owner: owner, Terminating: true}, Keep, nil},
		{"namespace gone", Input{References: []metav1.OwnerReference{ref("live")}, Owner: owner, NamespaceGone: true}, Delete, nil},
		{"namespace gone, no owners", Input{NamespaceGone: true}, Delete, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.in)
			if d.Action != tt.want {
				t.Fatalf("action %v, want %v", d.Action, tt.want)
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
