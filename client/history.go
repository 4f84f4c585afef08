package client

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	"github.com/pmezard/go-difflib/difflib"
)

// ResolveType finds a resource by what kubectl accepts as a type: plural,
// singular, kind or short name, case-insensitively ("deploy", "Deployment").
func ResolveType(t string) (events.Resource, error) {
	t = strings.ToLower(t)
	for _, r := range events.Resources() {
		if t == r.Name || t == r.Singular || t == strings.ToLower(r.Kind) {
			return r, nil
		}
		for _, s := range r.ShortNames {
			if t == s {
				return r, nil
			}
		}
	}
	return events.Resource{}, fmt.Errorf("%w %q", ErrUnknownResource, t)
}

// SplitTypeName splits "deploy/web" into its resource and name.
func SplitTypeName(arg string) (events.Resource, string, error) {
	typ, name, ok := strings.Cut(arg, "/")
	if !ok || name == "" {
		return events.Resource{}, "", fmt.Errorf("%q: want TYPE/NAME, e.g. deploy/web", arg)
	}
	r, err := ResolveType(typ)
	return r, name, err
}

// HistoryOptions say which object and what to show.
type HistoryOptions struct {
	Object    string // TYPE/NAME
	Namespace string // default: the kubeconfig context's
	// Diff, "A,B", also prints the line diff between revisions A and B.
	Diff string
	// All lists the writes that only moved status too (hidden by default).
	All bool
}

// History prints every change of an object, oldest first, and optionally
// the diff between two revisions.
func (c *Client) History(ctx context.Context, o HistoryOptions, out io.Writer) error {
	res, name, err := c.splitTypeName(ctx, o.Object)
	if err != nil {
		return err
	}
	ns := ""
	if res.Namespaced {
		if ns = o.Namespace; ns == "" {
			ns = c.Namespace
		}
	}
	path := jetplaneapi.HistoryObjectPath(res.Name, ns, name)
	if o.Diff != "" {
		path += "?diff=" + url.QueryEscape(o.Diff)
	}
	var h jetplaneapi.History
	if err := c.GetJSON(ctx, path, &h); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tRESOURCEVERSION\tTIME\tACTOR\tMANAGER\tCHANGE\tSUMMARY")
	hidden := 0
	for _, r := range h.Revisions {
		if r.StatusOnly && !o.All {
			hidden++
			continue
		}
		manager := r.Manager
		if manager == "" {
			manager = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Revision, r.ResourceVersion,
			r.Time.UTC().Format(time.RFC3339), r.Actor, manager, r.Change, r.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if hidden > 0 {
		fmt.Fprintf(out, "(%d status writes not shown: --all lists them)\n", hidden)
	}
	if len(h.Sessions) > 0 {
		fmt.Fprintln(out, "\nSESSIONS")
		fmt.Fprintln(tw, "START\tUSER\tKIND\tCONTAINER/PORT\tCOMMAND\tEND\tRESULT\tBYTES IN/OUT")
		for _, s := range h.Sessions {
			target := s.Container
			if s.Kind == events.SessionPortForward {
				target = fmt.Sprint(s.Port)
			}
			result := s.Error
			if s.Exited {
				result = fmt.Sprintf("exit %d", s.ExitCode)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\n", s.Start.UTC().Format(time.RFC3339), s.User, s.Kind, target,
				strings.Join(s.Command, " "), s.End.UTC().Format(time.RFC3339), result, s.BytesIn, s.BytesOut)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if h.Diff == nil {
		return nil
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(h.Diff.FromYAML), B: difflib.SplitLines(h.Diff.ToYAML),
		FromFile: fmt.Sprintf("revision %d", h.Diff.From), ToFile: fmt.Sprintf("revision %d", h.Diff.To), Context: 3,
	})
	if err != nil {
		return fmt.Errorf("diff: %w", err)
	}
	if text == "" {
		text = "(no difference)\n"
	}
	_, err = fmt.Fprint(out, "\n"+text)
	return err
}
