package jetplaneapi

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// DeploymentRevisions lists a Deployment's rollout revisions, oldest first.
type DeploymentRevisions struct {
	Kind      string               `json:"kind"` // "DeploymentRevisions"
	Namespace string               `json:"namespace"`
	Name      string               `json:"name"`
	UID       types.UID            `json:"uid"`
	Revisions []DeploymentRevision `json:"revisions"`
}

// DeploymentRevision is one revision as the log recorded it.
type DeploymentRevision struct {
	Revision int64 `json:"revision"`
	// Template is the pod template, without the pod-template-hash label:
	// what an undo puts back into the Deployment.
	Template    corev1.PodTemplateSpec `json:"template"`
	ChangeCause string                 `json:"changeCause,omitempty"`
	// Annotations are the ReplicaSet's, less those the controller keeps
	// (revision, history, replica counts): an undo gives them back to the
	// Deployment, as kubectl rollout undo does.
	Annotations map[string]string `json:"annotations,omitempty"`
	// ReplicaSet carried the revision; ReplicaSetLive says it still does
	// (kubectl rollout undo only sees those).
	ReplicaSet     string `json:"replicaSet"`
	ReplicaSetLive bool   `json:"replicaSetLive"`
	// ResourceVersion, Time and Actor are those of the Deployment change
	// that brought the template in (or of the ReplicaSet's first event
	// with this revision when no such change is found).
	ResourceVersion string    `json:"resourceVersion"`
	Time            time.Time `json:"time"`
	Actor           string    `json:"actor"`
}

// Revision finds revision n (0: the latest but one, as kubectl rollout
// undo without --to-revision).
func (d *DeploymentRevisions) Revision(n int64) (*DeploymentRevision, error) {
	if n == 0 {
		if len(d.Revisions) < 2 {
			return nil, fmt.Errorf("deployment %s/%s has no previous revision", d.Namespace, d.Name)
		}
		return &d.Revisions[len(d.Revisions)-2], nil
	}
	for i := range d.Revisions {
		if d.Revisions[i].Revision == n {
			return &d.Revisions[i], nil
		}
	}
	return nil, fmt.Errorf("deployment %s/%s has no revision %d in the log", d.Namespace, d.Name, n)
}
