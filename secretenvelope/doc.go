// Package secretenvelope is the envelope encryption of Secrets in the log.
// Each Secret (by UID) has its own data key; a cluster key (KEK, kept in
// the data directory, never in NATS) wraps it. A Secret's events carry its
// data sealed with its data key (AES-256-GCM, bound to the object by its
// UID, namespace and name) and, in place of each value, a keyed digest of
// it: history, diffs and the audit stream show which keys changed and
// whether a value did, never the value, and a digest cannot be checked
// against guesses without the data key. Destroying a data key shreds every
// past value of that Secret. Pure: no I/O; the gateway keeps the keys.
package secretenvelope
