// Package runtime is what the node agent drives to run containers: the
// Runtime interface (start, stop, status, list, pod IP allocation) that a
// Docker runtime and a hollow (simulated) runtime can implement too, and the
// process runtime, which runs an image as a local executable
// (<imagesDir>/<repo>/<name>/<tag>/entrypoint) in its own process group,
// gives each pod its own loopback address 127.x.y.z and hands every output
// line to a LogSink.
//
// The package knows nothing of NATS or of the event log; the agent supplies
// the log sink.
package runtime
