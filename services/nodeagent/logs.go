package nodeagent

import (
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/nats-io/nats.go"
)

// Headers of a container output line on the LOGS stream.
const (
	LogTimeHeader   = "Jetplane-Log-Time"   // RFC 3339 with nanoseconds
	LogStreamHeader = "Jetplane-Log-Stream" // stdout or stderr
)

// logShipper publishes each output line on the container's LOGS subject. A
// plain publish (no ack wait): the LOGS stream captures it, and a slow
// server never holds up a container's output.
func logShipper(l *events.Log) runtime.LogSink {
	return func(spec runtime.ContainerSpec, stream, line string, at time.Time) {
		m := nats.NewMsg(events.LogSubject(spec.Namespace, spec.PodName, spec.Name))
		m.Header.Set(LogTimeHeader, at.UTC().Format(time.RFC3339Nano))
		m.Header.Set(LogStreamHeader, stream)
		m.Data = []byte(line)
		_ = l.NC.PublishMsg(m)
	}
}
