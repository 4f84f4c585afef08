package gateway

import (
	"context"
	"fmt"
	"github.com/jetplane/jetplane/customresources"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"net/http"
	"strings"
	"sync"

	"github.com/jetplane/jetplane/events"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"
)

// fieldValidation is the directive of a write request, as Kubernetes reads
// the fieldValidation query parameter: unknown or duplicate fields in the
// body are ignored, reported as warnings (the default) or refused.
func fieldValidation(r *http.Request) (string, error) {
	switch v := r.URL.Query().Get("fieldValidation"); v {
	case "", metav1.FieldValidationWarn:
		return metav1.FieldValidationWarn, nil
	case metav1.FieldValidationIgnore, metav1.FieldValidationStrict:
		return v, nil
	default:
		return "", apierrors.NewBadRequest(fmt.Sprintf(
			"fieldValidation: unsupported value %q: supported values: %q, %q, %q", v,
			metav1.FieldValidationIgnore, metav1.FieldValidationStrict, metav1.FieldValidationWarn))
	}
}

// unmarshalValidated decodes data into v case-sensitively, as the
// Kubernetes API server does, and applies the request's field validation
// directive to the unknown and duplicate fields it finds.
func unmarshalValidated(r *http.Request, res events.Resource, data []byte, v any) error {
	directive, err := fieldValidation(r)
	if err != nil {
		return err
	}
	strict, err := sigsjson.UnmarshalStrict(data, v)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v",
			res.Kind, res.Version, res.Kind, err))
	}
	msgs := make([]string, len(strict))
	for i, e := range strict {
		msgs[i] = e.Error()
	}
	// A custom object decodes whole: its unknown fields are those its
	// schema would prune.
	if u, ok := v.(*unstructured.Unstructured); ok {
		if d, ok := customresources.Lookup(res.Name); ok {
			for _, p := range d.UnknownFields(u) {
				msgs = append(msgs, fmt.Sprintf("unknown field %q", p))
			}
		}
	}
	if len(msgs) == 0 || directive == metav1.FieldValidationIgnore {
		return nil
	}
	if directive == metav1.FieldValidationStrict {
		return apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: strict decoding error: %s",
			res.Kind, res.Version, res.Kind, strings.Join(msgs, ", ")))
	}
	for _, m := range msgs {
		warn(r.Context(), m)
	}
	return nil
}

type warningsKey struct{}

// warnings collects a request's warnings until its response header is
// written.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

// warn adds a warning to the response of the request of ctx.
func warn(ctx context.Context, msg string) {
	if ws, ok := ctx.Value(warningsKey{}).(*warnings); ok {
		ws.mu.Lock()
		ws.msgs = append(ws.msgs, msg)
		ws.mu.Unlock()
	}
}

// withWarnings lets handlers deep in a request add Warning headers (RFC
// 7234 code 299, which kubectl prints as "Warning: ...").
func withWarnings(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws := &warnings{}
		next.ServeHTTP(&warningWriter{ResponseWriter: w, warnings: ws},
			r.WithContext(context.WithValue(r.Context(), warningsKey{}, ws)))
	})
}

type warningWriter struct {
	http.ResponseWriter
	warnings *warnings
	wrote    bool
}

func (w *warningWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.warnings.mu.Lock()
		for _, m := range w.warnings.msgs {
			w.Header().Add("Warning", fmt.Sprintf("299 - %q", m))
		}
		w.warnings.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *warningWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush keeps watches streaming through the wrapper.
func (w *warningWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *warningWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
