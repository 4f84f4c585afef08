package gateway

import (
	"context"
	"net/http"

	"github.com/jetplane/jetplane/authz"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	"github.com/jetplane/jetplane/projections"
	"github.com/sirupsen/logrus"
)

// jetplaneAPI serves Jetplane's own endpoints under jetplaneapi.Prefix:
// audit, object history, deployment revisions, the horizon and restore.
// They are no Kubernetes resources, and most of them read the log itself
// rather than the projection, so they live apart from Server, the
// Kubernetes REST core, and see only what they use of it.
type jetplaneAPI struct {
	log    *natslog.Log
	proj   *projections.Projection
	travel *timeTravel
	// write and catchUpLog are the REST core's: a restore writes as the
	// requesting user and waits for its own writes exactly as any write does.
	write      func(*http.Request, events.Write) (*events.Event, error)
	catchUpLog func(context.Context)
	// authorize and admit are the REST core's too: every change a restore
	// makes is one the user could have made by hand, or it is refused.
	authorize func(*http.Request, authz.Attributes) error
	admit     func(r *http.Request, res events.Resource, old, obj events.Object) error
	// running ends with the gateway: a followed audit stream ends with it.
	running context.Context
	logger  *logrus.Entry
}

// register routes the endpoints on mux.
func (a *jetplaneAPI) register(mux *http.ServeMux) {
	mux.HandleFunc(jetplaneapi.AuditPath, a.audit)
	mux.HandleFunc(jetplaneapi.HistoryPath, a.history)
	mux.HandleFunc(jetplaneapi.RestorePath, a.restore)
	mux.HandleFunc(jetplaneapi.HorizonPath, a.horizon)
	mux.HandleFunc(jetplaneapi.RevisionsPattern, a.deploymentRevisions)
}
