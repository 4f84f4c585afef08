package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// HistoryPath prefixes object histories:
// <HistoryPath><resource>/<namespace>/<name>, or <resource>/<name> for
// cluster-scoped objects. Every change of the object, from the log.
const HistoryPath = "/apis/jetplane.dev/v1/history/"

// Revision is one change of an object as the log recorded it.
type Revision struct {
	Revision        int       `json:"revision"` // 1 for the object's first event
	ResourceVersion string    `json:"resourceVersion"`
	Time            time.Time `json:"time"`
	Actor           string    `json:"actor"`
	Type            string    `json:"type"`
	Change          string    `json:"change"`
	Source          string    `json:"source"`
	EventID         string    `json:"eventID"`
	CorrelationID   string    `json:"correlationID,omitempty"`
	// Object is the object after the change (null for a deletion that
	// carried none); only with ?objects=true.
	Object json.RawMessage `json:"object,omitempty"`
}

// History is the answer of a history request.
type History struct {
	Kind      string     `json:"kind"` // "History"
	Resource  string     `json:"resource"`
	Namespace string     `json:"namespace,omitempty"`
	Name      string     `json:"name"`
	Revisions []Revision `json:"revisions"`
	// With ?diff=A,B: the change from revision A to revision B.
	Diff *RevisionDiff `json:"diff,omitempty"`
}

// RevisionDiff compares two revisions of one object.
type RevisionDiff struct {
	From, To int
	// MergePatch turns revision From into revision To (RFC 7386).
	MergePatch json.RawMessage `json:"mergePatch"`
	// FromYAML and ToYAML are the two versions, for a line diff.
	FromYAML string `json:"fromYAML"`
	ToYAML   string `json:"toYAML"`
}

// history lists every change of one object.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, HistoryPath), "/"), "/")
	res, ok := events.Lookup(parts[0])
	if !ok {
		writeError(w, apierrors.NewNotFound(schema.GroupResource{Group: "jetplane.dev", Resource: "history"}, parts[0]))
		return
	}
	var ns, name string
	switch {
	case res.Namespaced && len(parts) == 3:
		ns, name = parts[1], parts[2]
	case !res.Namespaced && len(parts) == 2:
		name = parts[1]
	default:
		writeError(w, apierrors.NewBadRequest(fmt.Sprintf(
			"history path: want %s<resource>/<namespace>/<name> (or <resource>/<name> when cluster-scoped)", HistoryPath)))
		return
	}
	h := History{Kind: "History", Resource: res.Name, Namespace: ns, Name: name, Revisions: []Revision{}}
	withObjects := r.URL.Query().Get("objects") == "true"
	var diffFrom, diffTo int
	if d := r.URL.Query().Get("diff"); d != "" {
		if _, err := fmt.Sscanf(d, "%d,%d", &diffFrom, &diffTo); err != nil || diffFrom < 1 || diffTo < 1 {
			writeError(w, apierrors.NewBadRequest(fmt.Sprintf("diff: want two revision numbers A,B, got %q", d)))
			return
		}
	}
	data := map[int][]byte{}
	err := s.log.Replay(r.Context(), events.Subject(res.Name, ns, name), 1, 0, func(ev *events.Event, decErr error) error {
		if decErr != nil {
			return nil
		}
		n := len(h.Revisions) + 1
		rev := Revision{Revision: n, ResourceVersion: events.FormatRV(ev.Seq), Time: ev.Time, Actor: ev.Actor,
			Type: ev.Type, Change: ev.Change(), Source: ev.Source, EventID: ev.ID, CorrelationID: ev.CorrelationID}
		if withObjects && len(ev.Data) > 0 {
			rev.Object = ev.Data
		}
		if n == diffFrom || n == diffTo {
			data[n] = ev.Data
		}
		h.Revisions = append(h.Revisions, rev)
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	if len(h.Revisions) == 0 {
		writeError(w, apierrors.NewNotFound(res.GroupResource(), name))
		return
	}
	if diffFrom > 0 {
		if diffFrom > len(h.Revisions) || diffTo > len(h.Revisions) {
			writeError(w, apierrors.NewBadRequest(fmt.Sprintf("diff: %s %s has revisions 1 to %d", res.Singular, name, len(h.Revisions))))
			return
		}
		d, err := diffRevisions(diffFrom, diffTo, data[diffFrom], data[diffTo])
		if err != nil {
			writeError(w, apierrors.NewInternalError(err))
			return
		}
		h.Diff = d
	}
	writeJSON(w, http.StatusOK, h)
}

func diffRevisions(from, to int, a, b []byte) (*RevisionDiff, error) {
	if len(a) == 0 {
		a = []byte("{}")
	}
	if len(b) == 0 {
		b = []byte("{}")
	}
	patch, err := jsonpatch.CreateMergePatch(a, b)
	if err != nil {
		return nil, fmt.Errorf("diff %d,%d: %w", from, to, err)
	}
	ya, err := yaml.JSONToYAML(a)
	if err != nil {
		return nil, fmt.Errorf("diff %d: %w", from, err)
	}
	yb, err := yaml.JSONToYAML(b)
	if err != nil {
		return nil, fmt.Errorf("diff %d: %w", to, err)
	}
	return &RevisionDiff{From: from, To: to, MergePatch: patch, FromYAML: string(ya), ToYAML: string(yb)}, nil
}
