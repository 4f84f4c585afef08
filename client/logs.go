package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// LogsOptions say whose output to print and how much of it.
type LogsOptions struct {
	Pod       string // NAME or pod/NAME
	Namespace string // default: the context's
	corev1.PodLogOptions
}

// Logs copies a container's output to out, from the gateway's pods/log
// subresource, which serves pods that no longer exist as well; with Follow
// it streams until the container's run ends or ctx does.
func (c *Client) Logs(ctx context.Context, o LogsOptions, out io.Writer) error {
	name := o.Pod
	if typ, n, ok := strings.Cut(o.Pod, "/"); ok {
		if r, err := ResolveType(typ); err != nil || r.Name != "pods" {
			return fmt.Errorf("%q: logs are read from pods: want NAME or pod/NAME", o.Pod)
		}
		name = n
	}
	if name == "" {
		return fmt.Errorf("a pod name is required")
	}
	ns := o.Namespace
	if ns == "" {
		ns = c.Namespace
	}
	path := "/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/" + url.PathEscape(name) + "/log"
	if q := logQuery(o.PodLogOptions).Encode(); q != "" {
		path += "?" + q
	}
	resp, err := c.Do(ctx, http.MethodGet, path, nil, http.Header{"Accept": {"text/plain, application/json"}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(out, resp.Body); err != nil && ctx.Err() == nil {
		return fmt.Errorf("logs of %s/%s: %w", ns, name, err)
	}
	return nil
}

// logQuery encodes the options as the pods/log query, as kubectl sends them.
func logQuery(o corev1.PodLogOptions) url.Values {
	q := url.Values{}
	set := func(name string, on bool) {
		if on {
			q.Set(name, "true")
		}
	}
	if o.Container != "" {
		q.Set("container", o.Container)
	}
	set("follow", o.Follow)
	set("previous", o.Previous)
	set("timestamps", o.Timestamps)
	setInt := func(name string, v *int64) {
		if v != nil {
			q.Set(name, strconv.FormatInt(*v, 10))
		}
	}
	setInt("tailLines", o.TailLines)
	setInt("sinceSeconds", o.SinceSeconds)
	setInt("limitBytes", o.LimitBytes)
	if o.SinceTime != nil {
		q.Set("sinceTime", o.SinceTime.UTC().Format(time.RFC3339))
	}
	return q
}
