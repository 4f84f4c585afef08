package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/jetplane/jetplane/changesummary"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// history lists every change of one object.
func (a *jetplaneAPI) history(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, jetplaneapi.HistoryPath), "/"), "/")
	res, ok := events.Lookup(parts[0])
	if !ok {
		writeError(w, apierrors.NewNotFound(schema.GroupResource{Group: jetplaneapi.Group, Resource: "history"}, parts[0]))
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
			"history path: want %s<resource>/<namespace>/<name> (or <resource>/<name> when cluster-scoped)", jetplaneapi.HistoryPath)))
		return
	}
	h := jetplaneapi.History{Kind: "History", Resource: res.Name, Namespace: ns, Name: name, Revisions: []jetplaneapi.Revision{}}
	withObjects := r.URL.Query().Get("objects") == "true"
	var diffFrom, diffTo int
	if d := r.URL.Query().Get("diff"); d != "" {
		if _, err := fmt.Sscanf(d, "%d,%d", &diffFrom, &diffTo); err != nil || diffFrom < 1 || diffTo < 1 {
			writeError(w, apierrors.NewBadRequest(fmt.Sprintf("diff: want two revision numbers A,B, got %q", d)))
			return
		}
	}
	data := map[int][]byte{}
	var prev map[string]any
	err := a.log.Replay(r.Context(), events.Subject(res.Name, ns, name), 1, 0, func(ev *events.Event, decErr error) error {
		if decErr != nil {
			return nil
		}
		n := len(h.Revisions) + 1
		rev := jetplaneapi.Revision{Revision: n, ResourceVersion: events.FormatRV(ev.Seq), Time: ev.Time, Actor: ev.Actor,
			Type: ev.Type, Change: ev.Change(), Source: ev.Source, EventID: ev.ID, CorrelationID: ev.CorrelationID}
		var cur map[string]any
		var undecodable error
		if !ev.IsDelete() && len(ev.Data) > 0 {
			undecodable = events.DecodeInto(ev.Data, &cur)
		}
		if undecodable != nil {
			// prev stays: the next revision is summarised against the last readable one.
			rev.Summary = "(the object does not decode)"
		} else {
			sum := changesummary.Of(prev, cur)
			rev.Summary, rev.StatusOnly, rev.Manager = sum.Text, sum.StatusOnly, ev.FieldManager
			if rev.Manager == "" {
				rev.Manager = sum.Manager // written before events named their manager
			}
			prev = cur
		}
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
	if res.Name == "pods" {
		err := a.log.Replay(r.Context(), events.Subject(events.PodSessionsResource, ns, name), 1, 0, func(ev *events.Event, decErr error) error {
			var rec events.PodSessionRecord
			if decErr == nil && ev.Type == events.PodSessionEndedType && json.Unmarshal(ev.Data, &rec) == nil {
				h.Sessions = append(h.Sessions, rec)
			}
			return nil
		})
		if err != nil {
			writeError(w, err)
			return
		}
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

func diffRevisions(from, to int, a, b []byte) (*jetplaneapi.RevisionDiff, error) {
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
	return &jetplaneapi.RevisionDiff{From: from, To: to, MergePatch: patch, FromYAML: string(ya), ToYAML: string(yb)}, nil
}
