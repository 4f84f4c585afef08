package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
)

func rolloutCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Manage the rollout of a Deployment from its whole history in the log",
	}
	cmd.AddCommand(rolloutUndoCommand())
	return cmd
}

func rolloutUndoCommand() *cobra.Command {
	var f clientFlags
	var toRevision int64
	cmd := &cobra.Command{
		Use: "undo deploy/NAME",
		Short: "Roll a Deployment back to a previous revision, also one whose ReplicaSet was pruned " +
			"(revisionHistoryLimit): every template is in the log",
		Example: `  jetplane rollout undo deploy/web
  jetplane rollout undo deploy/web --to-revision=1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, name, err := client.SplitTypeName(args[0])
			if err != nil {
				return err
			}
			if res.Name != "deployments" {
				return fmt.Errorf("rollout undo: %s is not a deployment", args[0])
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ns := f.namespace
			if ns == "" {
				ns = c.Namespace
			}
			msg, err := undoDeployment(cmd.Context(), c, ns, name, toRevision)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), msg)
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().Int64Var(&toRevision, "to-revision", 0, "the revision to roll back to (default 0: the previous one)")
	return cmd
}

// rollbackKeptAnnotations are the Deployment's own annotations that a
// rollback leaves as they are; every other one comes from the revision,
// as kubectl rollout undo does.
var rollbackKeptAnnotations = map[string]bool{
	"kubectl.kubernetes.io/last-applied-configuration": true,
	"deployment.kubernetes.io/revision":                true,
	"deployment.kubernetes.io/revision-history":        true,
	"deployment.kubernetes.io/desired-replicas":        true,
	"deployment.kubernetes.io/max-replicas":            true,
	"deprecated.deployment.rollback.to":                true,
}

// undoDeployment puts the template of a revision (from the log) back into
// the Deployment with the JSON patch kubectl sends, and says what it did.
func undoDeployment(ctx context.Context, c *client.Client, ns, name string, toRevision int64) (string, error) {
	var revs jetplaneapi.DeploymentRevisions
	if err := c.GetJSON(ctx, jetplaneapi.RevisionsPath(ns, name), &revs); err != nil {
		return "", fmt.Errorf("rollout undo: revisions: %w", err)
	}
	rev, err := revs.Revision(toRevision)
	if err != nil {
		return "", fmt.Errorf("rollout undo: %w", err)
	}
	path := "/apis/apps/v1/namespaces/" + url.PathEscape(ns) + "/deployments/" + url.PathEscape(name)
	var d appsv1.Deployment
	if err := c.GetJSON(ctx, path, &d); err != nil {
		return "", fmt.Errorf("rollout undo: %w", err)
	}
	if equality.Semantic.DeepEqual(d.Spec.Template, rev.Template) {
		return fmt.Sprintf("deployment.apps/%s skipped rollback (current template already matches revision %d)", name, rev.Revision), nil
	}
	annotations := map[string]string{}
	for k, v := range d.Annotations {
		if rollbackKeptAnnotations[k] {
			annotations[k] = v
		}
	}
	for k, v := range rev.Annotations {
		if !rollbackKeptAnnotations[k] {
			annotations[k] = v
		}
	}
	patch, err := json.Marshal([]map[string]any{
		{"op": "replace", "path": "/spec/template", "value": rev.Template},
		{"op": "replace", "path": "/metadata/annotations", "value": annotations},
	})
	if err != nil {
		return "", fmt.Errorf("rollout undo: %w", err)
	}
	resp, err := c.Do(ctx, http.MethodPatch, path, bytes.NewReader(patch),
		http.Header{"Content-Type": {string(types.JSONPatchType)}, "Accept": {"application/json"}})
	if err != nil {
		return "", fmt.Errorf("rollout undo: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return fmt.Sprintf("deployment.apps/%s rolled back to revision %d", name, rev.Revision), nil
}
