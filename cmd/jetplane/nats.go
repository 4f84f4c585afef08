package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

func natsCommand() *cobra.Command {
	var o natslog.EmbeddedOptions
	var routes []string
	var trustDir string
	var assets natslog.Config
	var tlsFlags, clusterTLSFlags tlsFiles
	var sync string
	cmd := &cobra.Command{
		Use:   "nats",
		Short: "Run a NATS server with JetStream (one node of a cluster with --cluster-name)",
		RunE: func(cmd *cobra.Command, args []string) error {
			trust, err := natslog.EnsureTrust(trustDir)
			if err != nil {
				return err
			}
			o.Routes, o.Trust = routes, trust
			if o.SyncAlways, o.SyncInterval, err = syncFlag(sync); err != nil {
				return err
			}
			if o.TLS, err = tlsFlags.server(); err != nil {
				return err
			}
			if o.ClusterTLS, err = clusterTLSFlags.peer(); err != nil {
				return err
			}
			if o.RouteSecret, err = natslog.RouteSecret(trustDir); err != nil {
				return err
			}
			srv, err := natslog.StartEmbedded(o)
			if err != nil {
				return err
			}
			defer srv.Shutdown()
			// The server's own operator connection creates the streams and
			// buckets: no other identity may.
			if !trust.CanMint() {
				logrus.WithField("service", "nats").Warn("no account key in the trust directory: the streams are left to a node that has it")
			} else {
				if tlsFlags.ca != "" {
					if assets.CAPEM, err = os.ReadFile(tlsFlags.ca); err != nil {
						return fmt.Errorf("--tls-ca: %w", err)
					}
				}
				if err := ensureAssets(cmd.Context(), srv, trust, assets); err != nil {
					return err
				}
			}
			logrus.WithFields(logrus.Fields{"service": "nats", "url": srv.URL()}).Info("nats is up")
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&trustDir, "trust", "jetplane-data/pki/nats", "the NATS operator and account keys (made on first use; the same on every cluster node)")
	cmd.Flags().StringVar(&assets.Prefix, "stream-prefix", "", "prefix of the JetStream stream and bucket names")
	cmd.Flags().IntVar(&assets.Replicas, "replicas", 1, "JetStream replicas for streams and buckets (3 on a NATS cluster)")
	tlsFlags.register(cmd, "tls", "clients (required beyond loopback)")
	clusterTLSFlags.register(cmd, "cluster-tls", "routes, both ways (required beyond loopback)")
	cmd.Flags().StringVar(&o.Dir, "data", "jetplane-data/nats", "JetStream storage directory")
	cmd.Flags().StringVar(&o.Host, "host", "127.0.0.1", "client listen host")
	cmd.Flags().IntVar(&o.Port, "port", 4222, "client listen port")
	cmd.Flags().StringVar(&o.Name, "name", "", "server name (stable per cluster node)")
	cmd.Flags().StringVar(&o.ClusterName, "cluster-name", "", "NATS cluster name; empty runs a single server")
	cmd.Flags().StringVar(&o.ClusterListen, "cluster-listen", "127.0.0.1:6222", "cluster route listen address")
	cmd.Flags().StringSliceVar(&routes, "routes", nil, "routes to the other cluster nodes, nats://host:port")
	cmd.Flags().StringVar(&sync, "sync", "always", "when JetStream writes reach the disk: always (an acknowledged write survives power loss; README: what it costs) or a flush interval (2m is JetStream's default)")
	return cmd
}

// ensureAssets opens the log as the operator (Manage), retrying while a
// cluster elects its JetStream leader.
func ensureAssets(ctx context.Context, srv *natslog.Embedded, trust *natslog.Trust, cfg natslog.Config) error {
	cfg.Manage = true
	creds, err := trust.Mint(natslog.Identity{Role: natslog.RoleOperator}, cfg)
	if err != nil {
		return err
	}
	cfg.Credentials = creds
	for attempt := 0; ; attempt++ {
		l, err := dialRetrying(ctx, natslog.LoopbackURL(srv.URL()), "jetplane-nats-operator", cfg)
		if err != nil {
			return err
		}
		l.Close()
		if err = natslog.EnsureReaders(ctx, natslog.LoopbackURL(srv.URL()), trust, cfg); err == nil {
			return nil
		}
		logrus.WithField("service", "nats").WithError(err).Warn("readers' mirror not ready; retrying")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(dialBackoff.Next(attempt)):
		}
	}
}

// tlsFiles are a listener's certificate, key and (for mutual TLS) CA files.
type tlsFiles struct{ cert, key, ca string }

func (f *tlsFiles) register(cmd *cobra.Command, prefix, what string) {
	cmd.Flags().StringVar(&f.cert, prefix+"-cert", "", "TLS certificate (PEM) for "+what)
	cmd.Flags().StringVar(&f.key, prefix+"-key", "", "its private key (PEM)")
	cmd.Flags().StringVar(&f.ca, prefix+"-ca", "", "CA (PEM) that peers' certificates chain to")
}

// server is the TLS of a listener, nil when no certificate is given.
func (f *tlsFiles) server() (*tls.Config, error) {
	if f.cert == "" && f.key == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// peer is mutual TLS: the certificate is presented both ways and peers
// must chain to the CA.
func (f *tlsFiles) peer() (*tls.Config, error) {
	cfg, err := f.server()
	if cfg == nil || err != nil {
		return cfg, err
	}
	caPEM, err := os.ReadFile(f.ca)
	if err != nil {
		return nil, fmt.Errorf("tls: the peers' CA is required: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("tls: no certificate in %s", f.ca)
	}
	cfg.RootCAs, cfg.ClientCAs, cfg.ClientAuth = pool, pool, tls.RequireAndVerifyClientCert
	return cfg, nil
}
