package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GetOptions say what to list and at which point of history.
type GetOptions struct {
	Type string // pods, deploy, ...
	Name string // one object; "" lists them all
	// Output: "" for kubectl's table, or yaml or json for the objects
	// themselves (a Secret of the past shows its keys and digests, and
	// whether its values were shredded).
	Output        string
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
	res, err := c.resolve(ctx, o.Type)
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
	if o.Name != "" {
		q.Set("fieldSelector", "metadata.name="+o.Name)
	}
	switch {
	case !o.At.IsZero():
		q.Set(jetplaneapi.AsOfTimeParam, o.At.UTC().Format(time.RFC3339Nano))
	case o.Revision > 0:
		q.Set("resourceVersionMatch", string(metav1.ResourceVersionMatchExact))
		q.Set("resourceVersion", fmt.Sprint(o.Revision))
	}
	path += "/" + res.Plural() + "?" + q.Encode()
	if o.Output != "" {
		return c.getObjects(ctx, path, o, out)
	}
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

// getObjects prints the list at path as YAML or JSON: the object itself
// when one was named.
func (c *Client) getObjects(ctx context.Context, path string, o GetOptions, out io.Writer) error {
	if o.Output != "yaml" && o.Output != "json" {
		return fmt.Errorf("-o %q: want yaml or json", o.Output)
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	var doc json.RawMessage
	if err := c.GetJSON(ctx, path, &doc); err != nil {
		return err
	}
	if err := json.Unmarshal(doc, &list); err != nil {
		return fmt.Errorf("get %s: %w", o.Type, err)
	}
	if o.Name != "" {
		if len(list.Items) == 0 {
			return fmt.Errorf("%s %q not found at that point of history", o.Type, o.Name)
		}
		doc = list.Items[0]
	}
	if o.Output == "json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, doc, "", "    "); err != nil {
			return err
		}
		_, err := fmt.Fprintln(out, buf.String())
		return err
	}
	y, err := yaml.JSONToYAML(doc)
	if err != nil {
		return err
	}
	_, err = out.Write(y)
	return err
}
