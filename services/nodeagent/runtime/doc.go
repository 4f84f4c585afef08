// Package runtime is what the node agent drives to run containers: the
// Runtime interface (start, stop, status, list, pod IP allocation, exec)
// and its three implementations.
//
//   - process runs an image as a local executable
//     (<imagesDir>/<repo>/<name>/<tag>/entrypoint) in its own process
//     group and gives each pod its own loopback address 127.x.y.z. A
//     root agent runs it as the pod's runAsUser/runAsGroup, else as nobody
//     (65534); an agent that is not root cannot switch users and runs every
//     container as itself (Process.RunsAs tells which).
//   - docker runs containers on a Docker engine from local images (never
//     pulled). Each pod gets a sandbox, a pause container holding the pod's
//     network namespace and its bridge address; the pod's containers join
//     it, so the pod IP comes from the engine and stays across container
//     restarts. The agent asks for it through the optional PodSandboxes
//     interface. Labels on the containers let a restarted agent adopt them.
//   - hollow simulates containers for load tests: no process, an address
//     from the node's pod CIDR, a few hundred bytes per container.
//
// Container output goes line by line to a LogSink. The package knows
// nothing of NATS or of the event log; the agent supplies the log sink.
package runtime
