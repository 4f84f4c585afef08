package chaos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jetplane/jetplane/chaos/invariants"
	"github.com/jetplane/jetplane/events"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// digestOf is an object's content as the checker compares it: the
// canonical JSON (sorted keys) without what the API adds on the way out
// (resourceVersion, managedFields, kind and apiVersion).
func digestOf(obj map[string]any) string {
	c := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "kind" && k != "apiVersion" {
			c[k] = v
		}
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		m := make(map[string]any, len(md))
		for k, v := range md {
			if k != "resourceVersion" && k != "managedFields" {
				m[k] = v
			}
		}
		c["metadata"] = m
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// readLog reads every event of the log from sequence from as the checker's
// versions.
func readLog(ctx context.Context, log Log, from uint64) ([]invariants.Version, error) {
	var out []invariants.Version
	err := log.Replay(ctx, events.FilterSubject("", ""), from, 0, func(ev *events.Event, decodeErr error) error {
		if decodeErr != nil {
			return fmt.Errorf("chaos: event %d: %w", ev.Seq, decodeErr)
		}
		v, err := versionOf(ev)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

func versionOf(ev *events.Event) (invariants.Version, error) {
	v := invariants.Version{Key: invariants.Key{Resource: ev.Resource, Namespace: ev.Namespace, Name: ev.Name},
		RV: ev.Seq, Deleted: ev.IsDelete(), Counter: -1}
	var obj map[string]any
	if err := utiljson.Unmarshal(ev.Data, &obj); err != nil { // numbers as int64, as unstructured has them
		return v, fmt.Errorf("chaos: event %d: %w", ev.Seq, err)
	}
	v.Digest = digestOf(obj)
	u := unstructured.Unstructured{Object: obj}
	v.UID = string(u.GetUID())
	for _, ref := range u.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller {
			v.Owner = string(ref.UID)
		}
	}
	switch ev.Resource {
	case "pods":
		v.NodeName, _, _ = unstructured.NestedString(obj, "spec", "nodeName")
		phase, _, _ := unstructured.NestedString(obj, "status", "phase")
		v.Running = u.GetDeletionTimestamp() == nil && phase == "Running"
	case "configmaps":
		if s, ok, _ := unstructured.NestedString(obj, "data", "value"); ok {
			v.Counter, _ = strconv.ParseInt(s, 10, 64)
		}
	case "deployments", "replicasets":
		replicas, ok, _ := unstructured.NestedInt64(obj, "spec", "replicas")
		if !ok {
			replicas = 1
		}
		v.Replicas = int(replicas)
		if ev.Resource == "deployments" {
			v.MaxSurge = maxSurge(obj, v.Replicas)
		}
	}
	return v, nil
}

// maxSurge resolves a Deployment's maxSurge as its controller does: 25%
// by default, percentages rounded up, none for Recreate.
func maxSurge(obj map[string]any, replicas int) int {
	if t, _, _ := unstructured.NestedString(obj, "spec", "strategy", "type"); t == "Recreate" {
		return 0
	}
	surge := intstr.FromString("25%")
	if raw, ok, _ := unstructured.NestedFieldNoCopy(obj, "spec", "strategy", "rollingUpdate", "maxSurge"); ok {
		switch s := raw.(type) {
		case string:
			surge = intstr.FromString(s)
		case int64:
			surge = intstr.FromInt32(int32(s))
		}
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(&surge, replicas, true)
	if err != nil {
		return 0
	}
	return n
}
