package authn

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func TestParseImpersonation(t *testing.T) {
	user := func(name string) ImpersonationCheck { return check("", "", "users", "", "", name) }
	group := func(name string) ImpersonationCheck { return check("", "", "groups", "", "", name) }
	for _, tc := range []struct {
		name    string
		headers [][2]string
		want    *Impersonation
		wantErr error
	}{
		{name: "none"},
		{name: "user", headers: [][2]string{{"Impersonate-User", "bob"}},
			want: &Impersonation{User: User{Name: "bob", Groups: []string{AllAuthenticated}}, Checks: []ImpersonationCheck{user("bob")}}},
		{name: "user and groups", headers: [][2]string{{"Impersonate-User", "bob"}, {"Impersonate-Group", "dev"}, {"Impersonate-Group", "ops"}},
			want: &Impersonation{User: User{Name: "bob", Groups: []string{"dev", "ops", AllAuthenticated}},
				Checks: []ImpersonationCheck{user("bob"), group("dev"), group("ops")}}},
		{name: "system:authenticated given", headers: [][2]string{{"Impersonate-User", "bob"}, {"Impersonate-Group", AllAuthenticated}},
			want: &Impersonation{User: User{Name: "bob", Groups: []string{AllAuthenticated}}, Checks: []ImpersonationCheck{user("bob"), group(AllAuthenticated)}}},
		{name: "system:unauthenticated given", headers: [][2]string{{"Impersonate-User", "bob"}, {"Impersonate-Group", AllUnauthenticated}},
			want: &Impersonation{User: User{Name: "bob", Groups: []string{AllUnauthenticated}}, Checks: []ImpersonationCheck{user("bob"), group(AllUnauthenticated)}}},
		{name: "anonymous", headers: [][2]string{{"Impersonate-User", Anonymous}},
			want: &Impersonation{User: User{Name: Anonymous, Groups: []string{AllUnauthenticated}}, Checks: []ImpersonationCheck{user(Anonymous)}}},
		{name: "service account", headers: [][2]string{{"Impersonate-User", "system:serviceaccount:dev:builder"}},
			want: &Impersonation{User: User{Name: "system:serviceaccount:dev:builder",
				Groups: []string{ServiceAccountsGroup, "system:serviceaccounts:dev", AllAuthenticated}},
				Checks: []ImpersonationCheck{check("", "", "serviceaccounts", "", "dev", "builder")}}},
		{name: "service account with groups", headers: [][2]string{{"Impersonate-User", "system:serviceaccount:dev:builder"}, {"Impersonate-Group", "x"}},
			want: &Impersonation{User: User{Name: "system:serviceaccount:dev:builder", Groups: []string{"x", AllAuthenticated}},
				Checks: []ImpersonationCheck{check("", "", "serviceaccounts", "", "dev", "builder"), group("x")}}},
		{name: "malformed service account name is a user", headers: [][2]string{{"Impersonate-User", "system:serviceaccount:dev"}},
			want: &Impersonation{User: User{Name: "system:serviceaccount:dev", Groups: []string{AllAuthenticated}},
				Checks: []ImpersonationCheck{user("system:serviceaccount:dev")}}},
		{name: "uid and extra", headers: [][2]string{{"Impersonate-User", "bob"}, {"Impersonate-Uid", "u-1"},
			{"Impersonate-Extra-Scopes", "view"}, {"Impersonate-Extra-Scopes", "edit"}, {"Impersonate-Extra-Acme.com%2Fproject", "p1"}},
			want: &Impersonation{User: User{Name: "bob", UID: "u-1", Groups: []string{AllAuthenticated},
				Extra: map[string][]string{"scopes": {"view", "edit"}, "acme.com/project": {"p1"}}},
				Checks: []ImpersonationCheck{user("bob"),
					check("authentication.k8s.io", "v1", "userextras", "acme.com/project", "", "p1"),
					check("authentication.k8s.io", "v1", "userextras", "scopes", "", "view"),
					check("authentication.k8s.io", "v1", "userextras", "scopes", "", "edit"),
					check("authentication.k8s.io", "v1", "uids", "", "", "u-1")}}},
		{name: "group without user", headers: [][2]string{{"Impersonate-Group", "dev"}}, wantErr: ErrImpersonateWithoutUser},
		{name: "uid without user", headers: [][2]string{{"Impersonate-Uid", "u"}}, wantErr: ErrImpersonateWithoutUser},
		{name: "extra without user", headers: [][2]string{{"Impersonate-Extra-A", "b"}}, wantErr: ErrImpersonateWithoutUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, kv := range tc.headers {
				h.Add(kv[0], kv[1])
			}
			got, err := ParseImpersonation(h)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestImpersonationHeader(t *testing.T) {
	for name, want := range map[string]bool{"impersonate-user": true, "Impersonate-Group": true, "IMPERSONATE-UID": true,
		"Impersonate-Extra-scopes": true, "Authorization": false, "Impersonate": false} {
		if ImpersonationHeader(name) != want {
			t.Errorf("%s: want %v", name, want)
		}
	}
}
