package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReadsAtAPastRevisionOrTime(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var created, labelled corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("a", nil, "")).into(t, &created)
	g.must(http.StatusOK, "PATCH", podsPath("default")+"/a", `{"metadata":{"labels":{"v":"2"}}}`,
		"Content-Type", "application/merge-patch+json").into(t, &labelled)
	// The log's own clock is the reference for times: the receive time of
	// the label change.
	labelledAt, err := g.log.StoredAt(t.Context(), parseRV(t, labelled.ResourceVersion))
	if err != nil {
		t.Fatal(err)
	}
	g.must(http.StatusOK, "DELETE", podsPath("default")+"/a", nil)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("b", nil, ""))

	names := func(query string) ([]string, string) {
		var l corev1.PodList
		g.must(http.StatusOK, "GET", podsPath("default")+query, nil).into(t, &l)
		var out []string
		for _, p := range l.Items {
			out = append(out, p.Name+"@"+p.Labels["v"])
		}
		return out, l.ResourceVersion
	}
	exact := func(rv string) string { return "?resourceVersionMatch=Exact&resourceVersion=" + rv }
	cases := []struct {
		name, query string
		want        []string
		wantRV      string
	}{
		{"now", "", []string{"b@"}, ""},
		{"right after the create", exact(created.ResourceVersion), []string{"a@"}, created.ResourceVersion},
		{"right after the label", exact(labelled.ResourceVersion), []string{"a@2"}, labelled.ResourceVersion},
		{"at the label's time", "?asOfTime=" + url.QueryEscape(labelledAt.Format(time.RFC3339Nano)), []string{"a@2"}, labelled.ResourceVersion},
	}
	for _, c := range cases {
		got, rv := names(c.query)
		if fmt.Sprint(got) != fmt.Sprint(c.want) || (c.wantRV != "" && rv != c.wantRV) {
			t.Errorf("%s: got %v at %s, want %v at %s", c.name, got, rv, c.want, c.wantRV)
		}
	}
	// A get at a past revision finds the deleted pod as it was.
	var p corev1.Pod
	g.must(http.StatusOK, "GET", podsPath("default")+"/a"+exact(labelled.ResourceVersion), nil).into(t, &p)
	if p.Labels["v"] != "2" || p.ResourceVersion != labelled.ResourceVersion {
		t.Fatalf("pod a at %s: %+v", labelled.ResourceVersion, p.ObjectMeta)
	}
	g.must(http.StatusNotFound, "GET", podsPath("default")+"/a", nil)

	for _, bad := range []struct {
		query string
		code  int
	}{
		{"?resourceVersionMatch=Exact", http.StatusBadRequest},
		{"?resourceVersionMatch=Exact&resourceVersion=0", http.StatusBadRequest},
		{"?resourceVersionMatch=Sometimes&resourceVersion=3", http.StatusBadRequest},
		{"?asOfTime=yesterday", http.StatusBadRequest},
		{"?asOfTime=2000-01-01T00:00:00Z", http.StatusBadRequest},
		{exact("999999"), http.StatusGatewayTimeout},
	} {
		g.must(bad.code, "GET", podsPath("default")+bad.query, nil).status(t)
	}
	var h jetplaneapi.Horizon
	g.must(http.StatusOK, "GET", jetplaneapi.HorizonPath, nil).into(t, &h)
	if !h.Complete || h.FirstRevision != 1 || h.LastRevision < 5 || h.MaxAge != "0s" || h.FirstTime.IsZero() {
		t.Fatalf("horizon: %+v", h)
	}
	// Once retention trims the beginning of history, the past is Gone.
	if err := g.log.TrimBefore(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	g.must(http.StatusGone, "GET", podsPath("default")+exact(labelled.ResourceVersion), nil).status(t)
	g.must(http.StatusOK, "GET", jetplaneapi.HorizonPath, nil).into(t, &h)
	if h.Complete || h.FirstRevision != 2 {
		t.Fatalf("horizon after trimming: %+v", h)
	}
}

func parseRV(t *testing.T, rv string) uint64 {
	t.Helper()
	var n uint64
	if _, err := fmt.Sscan(rv, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A table of the past shows ages as they were then: an object listed at
// the revision it was made is 0s old, however old it is now.
func TestPastTablesShowAgesAsOfThen(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("aged", nil, "")).into(t, &p)
	ageAt := func(query string) string {
		var tbl metav1.Table
		g.must(http.StatusOK, "GET", podsPath("default")+query, nil, "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").into(t, &tbl)
		for i, c := range tbl.ColumnDefinitions {
			if c.Name == "Age" && len(tbl.Rows) == 1 {
				return fmt.Sprint(tbl.Rows[0].Cells[i])
			}
		}
		t.Fatalf("no Age column or not one row: %+v", tbl)
		return ""
	}
	eventstest.Eventually(t, 10*time.Second, func() error {
		if age := ageAt(""); age == "0s" || age == "1s" {
			return fmt.Errorf("age now %s", age)
		}
		return nil
	})
	if age := ageAt("?resourceVersionMatch=Exact&resourceVersion=" + p.ResourceVersion); age != "0s" {
		t.Fatalf("age at the revision it was made: %s", age)
	}
}
