package client

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GetOptions say what to list and at which point of history.
type GetOptions struct {
	Type          string // pods, deploy, ...
	Namespace     string // default: the context's; ignored for cluster-scoped types
	AllNamespaces bool
	Selector      string
	// At a past time, or at a past resourceVersion (Revision); neither: now.
	At       time.Time
	Revision uint64
}

// Get lists objects as kubectl get prints them (the gateway's Table), now
// or as the cluster stood at a past time or revision.
func (c *Client) Get(ctx context.Context, o GetOptions, out io.Writer) error {
	res, err := ResolveType(o.Type)
	if err != nil {
		return err
	}
	path := "/api/" + res.Version
	if res.Group != "" {
		path = "/apis/" + res.Group + "/" + res.Version
	}
	if res.Namespaced && !o.AllNamespaces {
		ns := o.Namespace
		if ns == "" {
			ns = c.Namespace
		}
		path += "/namespaces/" + url.PathEscape(ns)
	}
	q := url.Values{}
	if o.Selector != "" {
		q.Set("labelSelector", o.Selector)
	}
	switch {
	case !o.At.IsZero():
		q.Set(jetplaneapi.AsOfTimeParam, o.At.UTC().Format(time.RFC3339Nano))
	case o.Revision > 0:
		q.Set("resourceVersionMatch", string(metav1.ResourceVersionMatchExact))
		q.Set("resourceVersion", fmt.Sprint(o.Revision))
	}
	path += "/" + res.Name + "?" + q.Encode()
	var tbl metav1.Table
	resp, err := c.Do(ctx, "GET", path, nil, map[string][]string{"Accept": {"application/json;as=Table;v=v1;g=meta.k8s.io"}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := decodeJSON(resp.Body, &tbl); err != nil {
		return fmt.Errorf("get %s: %w", res.Name, err)
	}
	if len(tbl.Rows) == 0 {
		_, err := fmt.Fprintf(out, "No resources found at revision %s.\n", tbl.ResourceVersion)
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	var cols []int
	var head []string
	for i, col := range tbl.ColumnDefinitions {
		if col.Priority == 0 {
			cols = append(cols, i)
			head = append(head, strings.ToUpper(col.Name))
		}
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, row := range tbl.Rows {
		cells := make([]string, 0, len(cols))
		for _, i := range cols {
			if i < len(row.Cells) {
				cells = append(cells, fmt.Sprint(row.Cells[i]))
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
