// Package seal makes the event log tamper-evident. A sealer appends, every
// so many events or seconds, a checkpoint: the digest of every message
// since the previous checkpoint (by sequence), the digest of that previous
// checkpoint (a chain), signed with the cluster's ed25519 seal key. Verify
// re-reads the stream and names the first sequence where a message is
// missing, altered, inserted or out of order, or a signature or the chain
// fails. Neither etcd nor Kubernetes' audit log offers this.
//
// Pure: messages in, checkpoints and findings out; no NATS, no clock.
package seal
