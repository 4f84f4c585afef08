package jetplaneapi

import "testing"

func TestRevisionChoice(t *testing.T) {
	revs := &DeploymentRevisions{Namespace: "default", Name: "web",
		Revisions: []DeploymentRevision{{Revision: 1}, {Revision: 3}, {Revision: 4}}}
	tests := []struct {
		name    string
		in      *DeploymentRevisions
		n, want int64 // want 0: an error
	}{
		{name: "a given revision", in: revs, n: 3, want: 3},
		{name: "0: the one before the latest", in: revs, n: 0, want: 3},
		{name: "a revision never written", in: revs, n: 2},
		{name: "no previous revision", in: &DeploymentRevisions{Revisions: []DeploymentRevision{{Revision: 1}}}, n: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.in.Revision(tt.n)
			switch {
			case tt.want == 0 && err == nil:
				t.Fatalf("got %+v, want an error", r)
			case tt.want != 0 && (err != nil || r.Revision != tt.want):
				t.Fatalf("got %+v %v, want revision %d", r, err, tt.want)
			}
		})
	}
}
