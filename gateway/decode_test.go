package gateway

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDecodeBody(t *testing.T) {
	t.Parallel()
	pods := events.MustLookup("pods")
	tests := []struct {
		name, query, body string
		v                 func() any
		d                 decoding
		wantErr           string // "" for success; else the start of the 400's message
	}{
		{name: "optional empty", v: func() any { return &metav1.DeleteOptions{} },
			d: decoding{what: "invalid DeleteOptions", optional: true}},
		{name: "required empty", v: func() any { return &metav1.DeleteOptions{} },
			d: decoding{what: "invalid DeleteOptions"}, wantErr: "invalid DeleteOptions: "},
		{name: "lenient", body: `{"GracePeriodSeconds":3,"bogus":1}`, v: func() any { return &metav1.DeleteOptions{} },
			d: decoding{what: "invalid DeleteOptions"}},
		{name: "object of another kind", body: `{"apiVersion":"v1","kind":"Service"}`, v: func() any { return &corev1.Pod{} },
			d: decoding{object: &pods}, wantErr: "the kind in the data (Service) does not match the expected kind (Pod)"},
		{name: "object strict", query: "?fieldValidation=Strict", body: `{"spec":{"bogus":1}}`, v: func() any { return &corev1.Pod{} },
			d: decoding{object: &pods}, wantErr: `Pod in version "v1" cannot be handled as a Pod: strict decoding error`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x"+tt.query, nil)
			r.Header.Set("Content-Type", "application/json")
			err := decodeBody(r, []byte(tt.body), tt.v(), tt.d)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v", err)
			case tt.wantErr != "" && (!apierrors.IsBadRequest(err) || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want a 400 starting %q", err, tt.wantErr)
			}
		})
	}
}
