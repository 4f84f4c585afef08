package gateway

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// A paginated list (limit, continue) is served as kube-apiserver serves
// it: objects in key order (namespace/name), each page at the revision of
// the first, the continue token naming that revision and the last key
// given. A later page of an older revision is read from the log as it
// stood then (time travel), so the pages together are one consistent list.

// continueToken is kube-apiserver's: {"v":"meta.k8s.io/v1","rv":N,"start":"key\x00"}, base64.
type continueToken struct {
	V     string `json:"v"`
	RV    uint64 `json:"rv"`
	Start string `json:"start"`
}

// page is what a list request asks for beyond its selectors.
type page struct {
	limit int64
	token *continueToken
}

// pageOf reads limit and continue.
func pageOf(r *http.Request) (page, error) {
	q := r.URL.Query()
	var p page
	if l := q.Get("limit"); l != "" {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 0 {
			return p, apierrors.NewBadRequest(fmt.Sprintf("limit: invalid value %q: must be a non-negative integer", l))
		}
		p.limit = n
	}
	c := q.Get("continue")
	if c == "" {
		return p, nil
	}
	if q.Get("resourceVersion") != "" {
		return p, apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	tok := &continueToken{}
	if err != nil || json.Unmarshal(raw, tok) != nil || tok.V != "meta.k8s.io/v1" || tok.RV == 0 {
		return p, apierrors.NewBadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	}
	p.token = tok
	return p, nil
}

func (t *continueToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func objectKey(o events.Object) string {
	if o.GetNamespace() == "" {
		return o.GetName()
	}
	return o.GetNamespace() + "/" + o.GetName()
}

// cut takes the page out of a whole list at seq: the objects after the
// token's key, up to limit, and what the list's metadata says of the rest.
func (p page) cut(objs []events.Object, seq uint64) (out []events.Object, cont string, remaining *int64) {
	if p.limit == 0 && p.token == nil {
		return objs, "", nil
	}
	sort.SliceStable(objs, func(i, j int) bool { return objectKey(objs[i]) < objectKey(objs[j]) })
	if p.token != nil {
		start := p.token.Start
		i := sort.Search(len(objs), func(i int) bool { return objectKey(objs[i]) >= start })
		objs = objs[i:]
	}
	if p.limit == 0 || int64(len(objs)) <= p.limit {
		return objs, "", nil
	}
	rest := int64(len(objs)) - p.limit
	out = objs[:p.limit]
	next := &continueToken{V: "meta.k8s.io/v1", RV: seq, Start: objectKey(out[len(out)-1]) + "\x00"}
	return out, next.encode(), &rest
}

// setPage writes continue and remainingItemCount into a list's metadata.
func setPage(list runtime.Object, cont string, remaining *int64) {
	if la, ok := list.(metav1.ListInterface); ok && cont != "" {
		la.SetContinue(cont)
		la.SetRemainingItemCount(remaining)
	}
}

// stateAtToken is the state a continued list reads: the revision of its
// first page, live if the projection still stands there, else from the log.
func (s *Server) stateAtToken(r *http.Request, seq uint64) (*projections.State, uint64, error) {
	st := s.proj.State()
	if st.LastApplied() < seq {
		// Only a revision the log holds: a forged token waits for nothing.
		if _, last, err := s.log.Bounds(r.Context()); err != nil {
			return nil, 0, err
		} else if seq > last {
			return nil, 0, apierrors.NewBadRequest("continue key is not valid: its revision is ahead of the log")
		}
		if err := s.proj.WaitFor(r.Context(), seq); err != nil {
			return nil, 0, err
		}
	}
	if st.LastApplied() == seq {
		return st, seq, nil
	}
	past, err := s.travel.stateAt(r.Context(), seq)
	if errors.Is(err, events.ErrHistoryTrimmed) {
		return nil, 0, apierrors.NewResourceExpired(fmt.Sprintf("the continue token's revision %d can no longer be read: %v", seq, err))
	}
	if err != nil {
		return nil, 0, err
	}
	return past, seq, nil
}
