package events

import "time"

// Sessions carry a stream between the control plane and one node agent —
// exec, attach, port-forward — over NATS core: the gateway asks the pod's
// agent on SessionOpenSubject, then each side publishes its bytes on the
// other's subject. Permissions bind both to the node: an agent listens only
// under AgentRoot.<its node> and publishes only under NodeRoot.<its node>.

// AgentRoot prefixes what the control plane sends a node agent.
const AgentRoot = "jetplane.agent"

const sessionToken = "s"

// SessionOpenSubject is where node's agent takes new sessions (a request).
func SessionOpenSubject(node string) string { return AgentRoot + "." + EncodeToken(node) + ".open" }

// SessionToAgentSubject carries session id's bytes to node's agent.
func SessionToAgentSubject(node, id string) string {
	return AgentRoot + "." + EncodeToken(node) + "." + sessionToken + "." + id
}

// SessionToControlPlaneSubject carries session id's bytes from node's agent.
func SessionToControlPlaneSubject(node, id string) string {
	return NodeRoot + "." + EncodeToken(node) + "." + sessionToken + "." + id
}

// SessionsFromNodes matches every agent's session bytes (the readers'
// account's import of them).
const SessionsFromNodes = NodeRoot + ".*." + sessionToken + ".>"

// SessionKind is what a session runs.
type SessionKind string

const (
	SessionExec        SessionKind = "exec"
	SessionAttach      SessionKind = "attach"
	SessionPortForward SessionKind = "portforward"
)

// SessionRequest is what the control plane asks an agent to run.
type SessionRequest struct {
	ID        string      `json:"id"`
	Kind      SessionKind `json:"kind"`
	Namespace string      `json:"namespace"`
	Pod       string      `json:"pod"`
	PodUID    string      `json:"podUID"`
	Container string      `json:"container,omitempty"`
	Command   []string    `json:"command,omitempty"`
	Port      int32       `json:"port,omitempty"`
	Stdin     bool        `json:"stdin,omitempty"`
	Stdout    bool        `json:"stdout,omitempty"`
	Stderr    bool        `json:"stderr,omitempty"`
	TTY       bool        `json:"tty,omitempty"`
	// User is who asked, for the agent's log.
	User string `json:"user,omitempty"`
}

// SessionResult is how a session ended, sent by the agent last.
type SessionResult struct {
	ExitCode int    `json:"exitCode"`
	Exited   bool   `json:"exited"` // the command ran and ExitCode is its
	Error    string `json:"error,omitempty"`
}

// Every session that entered a pod is recorded in the log when it ends, on
// the pod's sessions subject (jetplane.ev.podsessions.<ns>.<pod>, no API
// resource: projections pass over it), so that the history of the pod and
// the audit stream say who entered it and what they ran.
const (
	PodSessionsResource = "podsessions"
	PodSessionEndedType = TypePrefix + "podsession.ended"
)

// PodSessionRecord is a recorded session's data.
type PodSessionRecord struct {
	Kind      SessionKind `json:"kind"`
	Namespace string      `json:"namespace"`
	Pod       string      `json:"pod"`
	PodUID    string      `json:"podUID,omitempty"`
	Node      string      `json:"node"`
	Container string      `json:"container,omitempty"`
	Command   []string    `json:"command,omitempty"`
	Port      int32       `json:"port,omitempty"`
	TTY       bool        `json:"tty,omitempty"`
	// Transport is the client's stream protocol: websocket or spdy.
	Transport string `json:"transport,omitempty"`
	User      string `json:"user"`
	// Impersonator is the real user when User was impersonated.
	Impersonator string    `json:"impersonator,omitempty"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	// ExitCode is the command's, when Exited.
	ExitCode int    `json:"exitCode"`
	Exited   bool   `json:"exited"`
	Error    string `json:"error,omitempty"`
	// BytesIn went to the pod (stdin, forwarded requests), BytesOut came
	// from it.
	BytesIn  int64 `json:"bytesIn"`
	BytesOut int64 `json:"bytesOut"`
}
