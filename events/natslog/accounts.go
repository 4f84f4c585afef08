package natslog

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go/jetstream"
)

// The readers' account. The NATS server answers a JetStream read onto any
// reply subject its reader names, whatever the reader's permissions: in
// the account that holds the streams and buckets, a reader could make the
// server copy what it reads into a lease, an allocation, a snapshot. So the
// readers (node agents, proxies, auditors) live in an account of their
// own, which holds only a mirror of EVENTS (same sequences) and imports
// from Jetplane's account exactly what a node sends the control plane:
// its reports, heartbeats and last-log questions, and its containers'
// output. A reflected answer lands in the readers' account, where nothing
// listens but those imports: the control plane acts on requests only, and
// a reflected answer is none.

// readersAPIPrefix is where the readers' account sees Jetplane's JetStream
// API, for the mirror's consumer alone (no reader may publish there).
const readersAPIPrefix = "$JS.jetplane.API"

// readersDeliverPrefix is where the mirror's consumer delivers.
const readersDeliverPrefix = "deliver.readers"

// nodeServices are the subjects a node's requests and output travel on,
// and its side of sessions.
var nodeServices = []string{events.NodeRoot + ".*.*", events.LogsFilter, events.SessionsFromNodes}

// agentServices are what the control plane sends agents: session requests
// and its side of sessions, served in the readers' account.
var agentServices = []string{events.AgentRoot + ".>"}

// wireJetplane opens to the readers' account what its mirror and its
// nodes need of Jetplane's account, and takes in what the agents serve.
func wireJetplane(ac *jwt.AccountClaims, readers string) {
	for _, s := range []string{"$JS.API.CONSUMER.CREATE.*", "$JS.API.CONSUMER.CREATE.*.>", "$JS.FC.>"} {
		ac.Exports.Add(&jwt.Export{Name: s, Subject: jwt.Subject(s), Type: jwt.Service, ResponseType: jwt.ResponseTypeStream})
	}
	ac.Exports.Add(&jwt.Export{Name: "mirror delivery", Subject: readersDeliverPrefix + ".>", Type: jwt.Stream})
	for _, s := range nodeServices {
		ac.Exports.Add(&jwt.Export{Name: s, Subject: jwt.Subject(s), Type: jwt.Service})
	}
	for _, s := range agentServices {
		ac.Imports.Add(&jwt.Import{Name: s, Account: readers, Subject: jwt.Subject(s), Type: jwt.Service})
	}
}

// wireReaders is the readers' side of wireJetplane.
func wireReaders(ac *jwt.AccountClaims, jetplane string) {
	for _, s := range []string{"CONSUMER.CREATE.*", "CONSUMER.CREATE.*.>"} {
		ac.Imports.Add(&jwt.Import{Name: s, Account: jetplane, Subject: jwt.Subject("$JS.API." + s),
			LocalSubject: jwt.RenamingSubject(readersAPIPrefix + "." + s), Type: jwt.Service})
	}
	ac.Imports.Add(&jwt.Import{Name: "flow control", Account: jetplane, Subject: "$JS.FC.>", Type: jwt.Service})
	ac.Imports.Add(&jwt.Import{Name: "mirror delivery", Account: jetplane, Subject: readersDeliverPrefix + ".>", Type: jwt.Stream})
	for _, s := range nodeServices {
		ac.Imports.Add(&jwt.Import{Name: s, Account: jetplane, Subject: jwt.Subject(s), Type: jwt.Service})
	}
	for _, s := range agentServices {
		ac.Exports.Add(&jwt.Export{Name: s, Subject: jwt.Subject(s), Type: jwt.Service})
	}
}

// reader tells the roles that live in the readers' account.
func (r Role) reader() bool {
	return r == RoleNode || r == RoleProxy || r == RoleAuditor || r == RoleReadersOperator
}

// EnsureReaders creates (or updates) the readers' mirror of EVENTS, as the
// readers' account's operator identity; EVENTS must exist.
func EnsureReaders(ctx context.Context, url string, trust *Trust, cfg Config) error {
	if !trust.CanMint() {
		return errors.New("readers: the trust holds no account key")
	}
	creds, err := trust.Mint(Identity{Role: RoleReadersOperator}, cfg)
	if err != nil {
		return err
	}
	nc, err := Connect(url, "jetplane-readers-operator", creds, cfg.CAPEM)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("readers: %w", err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.EventsStream(),
		Description: "Jetplane event log, mirrored for node agents, proxies and auditors",
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.replicas(),
		MaxAge:      cfg.MaxAge,
		MaxBytes:    orUnlimited(cfg.MaxBytes),
		AllowDirect: true,
		Mirror: &jetstream.StreamSource{Name: cfg.EventsStream(), External: &jetstream.ExternalStream{
			APIPrefix: readersAPIPrefix, DeliverPrefix: readersDeliverPrefix + "." + cfg.EventsStream()}},
	})
	if err != nil {
		return fmt.Errorf("readers: mirror %s: %w", cfg.EventsStream(), err)
	}
	return nil
}
