// Package archtest holds the tests that keep the layers honest: pure
// decision packages and the contract link no NATS, Docker or logrus, and
// only the JetStream adapter (events/natslog) and cmd import nats.go or
// nats-server. It has no code of its own.
package archtest
