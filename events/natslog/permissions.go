package natslog

import (
	"fmt"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/jwt/v2"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Role is what an identity may do on NATS; each is a set of subject
// permissions the server enforces (see ARCHITECTURE.md's table).
type Role string

const (
	// RoleOperator manages the streams and buckets: `jetplane up` and
	// `jetplane nats` at start, and the load test. No restriction.
	RoleOperator Role = "operator"
	// RoleControlPlane (gateway, scheduler, controllers): appends to
	// EVENTS, uses the buckets, serves node reports; manages no stream,
	// publishes on no node's subjects.
	RoleControlPlane Role = "controlplane"
	// RoleNode (a node agent): reads EVENTS, publishes only on its own
	// node's subjects (reports, container output) and renews its own lease.
	// Name "*" is a fleet of hollow nodes (the load test).
	RoleNode Role = "node"
	// RoleProxy (kube-proxy's job on a node): reads EVENTS, writes nothing.
	RoleProxy Role = "proxy"
	// RoleAuditor reads EVENTS through its own durable consumer and may
	// publish nothing else.
	RoleAuditor Role = "auditor"
	// RoleReadersOperator manages the readers' account (its mirror of
	// EVENTS): `jetplane up` and `jetplane nats` at start.
	RoleReadersOperator Role = "readers-operator"
)

// Identity is who a NATS connection is: a role and a name.
type Identity struct {
	Role Role
	Name string
}

func (id Identity) String() string {
	if id.Role == RoleOperator || id.Role == RoleReadersOperator {
		return string(id.Role)
	}
	return string(id.Role) + ":" + id.Name
}

// ParseIdentity reads Identity.String back.
func ParseIdentity(s string) (Identity, error) {
	role, name, _ := strings.Cut(s, ":")
	id := Identity{Role: Role(role), Name: name}
	return id, id.validate()
}

func (id Identity) validate() error {
	switch id.Role {
	case RoleOperator, RoleReadersOperator:
		if id.Name != "" {
			return fmt.Errorf("identity %q: the operator has no name", id)
		}
		return nil
	case RoleControlPlane, RoleNode, RoleProxy, RoleAuditor:
	default:
		return fmt.Errorf("identity %q: unknown role %q", id, id.Role)
	}
	switch {
	case id.Name == "*" && id.Role == RoleNode:
		return nil
	case id.Role == RoleNode || id.Role == RoleProxy:
		// A node's name, as Kubernetes names nodes: its subjects encode
		// the dots, which such a name never mixes with underscores.
		if errs := validation.IsDNS1123Subdomain(id.Name); len(errs) > 0 {
			return fmt.Errorf("identity %q: node name: %s", id, strings.Join(errs, "; "))
		}
		return nil
	}
	if errs := validation.IsDNS1123Label(id.Name); len(errs) > 0 {
		return fmt.Errorf("identity %q: name: %s", id, strings.Join(errs, "; "))
	}
	return nil
}

// Inbox is the identity's own reply prefix: its permissions let it
// subscribe there only, so it reads no one else's replies.
func (id Identity) Inbox() string {
	if id.Name == "*" {
		return "_INBOX_fleet" // no node's name: a name has no underscore
	}
	return "_INBOX_" + string(id.Role) + "_" + events.EncodeToken(id.Name)
}

// readStream are the JetStream API subjects that read a stream with
// ordered consumers and direct gets.
func readStream(stream string) []string {
	return []string{
		"$JS.API.STREAM.INFO." + stream,
		"$JS.API.CONSUMER.CREATE." + stream, "$JS.API.CONSUMER.CREATE." + stream + ".>",
		"$JS.API.CONSUMER.MSG.NEXT." + stream + ".*",
		"$JS.API.CONSUMER.INFO." + stream + ".*", "$JS.API.CONSUMER.DELETE." + stream + ".*",
		"$JS.API.DIRECT.GET." + stream, "$JS.API.DIRECT.GET." + stream + ".>",
		"$JS.API.STREAM.MSG.GET." + stream,
	}
}

// management are the JetStream API subjects that change streams or their
// messages, which only the operator may publish.
var management = []string{
	"$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.STREAM.DELETE.>",
	"$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>", "$JS.API.STREAM.RESTORE.>",
	"$JS.API.STREAM.SNAPSHOT.>", "$JS.API.STREAM.PEER.>", "$JS.API.STREAM.LEADER.>",
	"$JS.API.ACCOUNT.>", "$JS.API.SERVER.>", "$JS.API.META.>",
}

// permissions are the subject permissions of id over cfg's assets.
func (id Identity) permissions(cfg Config) jwt.Permissions {
	var p jwt.Permissions
	switch id.Role {
	case RoleOperator, RoleReadersOperator:
		return p // everything, in its account
	case RoleControlPlane:
		p.Pub.Allow.Add(">")
		p.Pub.Deny.Add(management...)
		p.Pub.Deny.Add(events.NodeRoot + ".>") // no forged reports or container output
		if id.Name != SealerName {
			p.Pub.Deny.Add(events.Subject("checkpoints", "", "log")) // the sealer's alone
		}
		p.Sub.Allow.Add(">")
		return p
	}
	p.Pub.Allow.Add("$JS.API.INFO")
	p.Sub.Allow.Add(id.Inbox() + ".>")
	switch id.Role {
	case RoleNode, RoleProxy:
		// Open binds every asset (info only); the projection reads EVENTS.
		p.Pub.Allow.Add("$JS.API.STREAM.INFO.*")
		p.Pub.Allow.Add(readStream(cfg.EventsStream())...)
		if id.Role == RoleNode {
			node := id.Name
			if node != "*" {
				node = events.EncodeToken(node)
			}
			// Its reports, heartbeats, last-log questions and container
			// output. No bucket and no read of LOGS: the server answers a
			// read onto any subject its reader names, so what a node could
			// read back (its own LOGS records, headers and all) it could
			// land anywhere in the account; it asks the control plane.
			p.Pub.Allow.Add(events.NodeRoot + "." + node + ".>")
			// The sessions the control plane opens on it (exec, attach,
			// port-forward), and their bytes.
			p.Sub.Allow.Add(events.AgentRoot + "." + node + ".>")
			// It answers a session request once, on the reply subject the
			// request came with (and no other: NATS allows only those).
			p.Resp = &jwt.ResponsePermission{MaxMsgs: 1, Expires: time.Minute}
		}
	case RoleAuditor:
		stream, durable := cfg.EventsStream(), AuditorConsumer(id.Name)
		p.Pub.Allow.Add(
			"$JS.API.STREAM.INFO."+stream,
			"$JS.API.CONSUMER.CREATE."+stream+"."+durable, "$JS.API.CONSUMER.CREATE."+stream+"."+durable+".>",
			"$JS.API.CONSUMER.DURABLE.CREATE."+stream+"."+durable,
			"$JS.API.CONSUMER.INFO."+stream+"."+durable, "$JS.API.CONSUMER.DELETE."+stream+"."+durable,
			"$JS.API.CONSUMER.MSG.NEXT."+stream+"."+durable,
			"$JS.ACK."+stream+"."+durable+".>",
			"$JS.API.DIRECT.GET."+stream, "$JS.API.DIRECT.GET."+stream+".>", "$JS.API.STREAM.MSG.GET."+stream)
	}
	return p
}

// SealerName is the control-plane identity that alone appends checkpoints.
const SealerName = "sealer"

// AuditorConsumer is the one durable consumer an auditor may own.
func AuditorConsumer(name string) string { return "audit_" + name }
