// Package sealer is the control-plane service that seals the event log:
// every Every events or Interval (whichever comes first, once anything is
// new) it reads the messages since the last checkpoint exactly as stored,
// and appends a checkpoint (seal/) on jetplane.ev.checkpoints._.log with
// CAS on that subject, so two sealers never seal the same events twice.
// `jetplane verify` checks the log against the checkpoints.
package sealer
