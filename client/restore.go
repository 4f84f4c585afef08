package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"

	"github.com/jetplane/jetplane/gateway/jetplaneapi"
)

// Restore asks the gateway for a point-in-time restore and prints what
// changed (or, dry, what would).
func (c *Client) Restore(ctx context.Context, req jetplaneapi.RestoreRequest, out io.Writer) (*jetplaneapi.RestoreResult, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	resp, err := c.Do(ctx, http.MethodPost, jetplaneapi.RestorePath, bytes.NewReader(body), http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var res jetplaneapi.RestoreResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("restore: decode: %w", err)
	}
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tRESOURCE\tNAMESPACE\tNAME\tRESOURCEVERSION")
	for _, ch := range res.Changes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ch.Action, ch.Resource, ch.Namespace, ch.Name, ch.ResourceVersion)
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	switch {
	case res.DryRun:
		fmt.Fprintf(out, "dry run: %d changes would restore revision %d\n", len(res.Changes), res.ToRevision)
	case len(res.Changes) == 0:
		fmt.Fprintf(out, "nothing to do: the objects are as they were at revision %d\n", res.ToRevision)
	default:
		fmt.Fprintf(out, "restored revision %d with %d changes (correlation id %s); undo with: jetplane restore --to-revision %d\n",
			res.ToRevision, len(res.Changes), res.CorrelationID, res.UndoRevision)
	}
	return &res, nil
}
