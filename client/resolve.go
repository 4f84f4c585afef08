package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jetplane/jetplane/events"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// resolve finds a type as ResolveType does, then among the server's
// custom kinds (its discovery), which the client cannot know by itself.
func (c *Client) resolve(ctx context.Context, t string) (events.Resource, error) {
	r, err := ResolveType(t)
	if !errors.Is(err, ErrUnknownResource) {
		return r, err
	}
	var groups metav1.APIGroupList
	if gerr := c.GetJSON(ctx, "/apis", &groups); gerr != nil {
		return r, err
	}
	want := strings.ToLower(t)
	for _, g := range groups.Groups {
		gv := g.PreferredVersion
		var list metav1.APIResourceList
		if c.GetJSON(ctx, "/apis/"+gv.GroupVersion, &list) != nil {
			continue
		}
		for _, a := range list.APIResources {
			if strings.Contains(a.Name, "/") {
				continue
			}
			if want == a.Name || want == a.SingularName || want == strings.ToLower(a.Kind) || slices.Contains(a.ShortNames, want) {
				if _, builtIn := events.Lookup(a.Name); builtIn {
					continue
				}
				return events.CustomResource(g.Name, gv.Version, a.Name, a.SingularName, a.Kind, a.Kind+"List",
					a.Namespaced, a.ShortNames, nil), nil
			}
		}
	}
	return r, fmt.Errorf("%w (nor among the server's custom kinds)", err)
}

// splitTypeName is SplitTypeName with the server's custom kinds.
func (c *Client) splitTypeName(ctx context.Context, arg string) (events.Resource, string, error) {
	typ, name, ok := strings.Cut(arg, "/")
	if !ok || name == "" {
		return events.Resource{}, "", fmt.Errorf("%q: want TYPE/NAME, e.g. deploy/web", arg)
	}
	r, err := c.resolve(ctx, typ)
	return r, name, err
}
