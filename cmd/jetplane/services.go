package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/endpointcontroller"
	"github.com/jetplane/jetplane/services/nodeagent"
	"github.com/jetplane/jetplane/services/nodereports"
	"github.com/jetplane/jetplane/services/replicacontroller"
	"github.com/jetplane/jetplane/services/scheduler"
	"github.com/jetplane/jetplane/services/serviceproxy"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// connFlags are shared by every command that joins an existing NATS server.
type connFlags struct {
	url      string
	creds    string
	ca       string
	prefix   string
	replicas int
	instance string
	snapshot uint64
}

func (f *connFlags) register(cmd *cobra.Command) {
	host, _ := os.Hostname()
	cmd.Flags().StringVar(&f.url, "nats", "nats://127.0.0.1:4222", "NATS server URL(s), comma-separated")
	cmd.Flags().StringVar(&f.creds, "credentials", "", "this service's NATS credentials (from `jetplane credentials`)")
	cmd.Flags().StringVar(&f.ca, "nats-ca", "", "CA certificate (PEM) of a NATS server that serves TLS")
	cmd.Flags().StringVar(&f.prefix, "stream-prefix", "", "prefix of the JetStream stream and bucket names")
	cmd.Flags().IntVar(&f.replicas, "replicas", 1, "JetStream replicas for streams and buckets (3 on a NATS cluster)")
	cmd.Flags().StringVar(&f.instance, "instance", strings.ToLower(host), "instance name, recorded as the events' source")
	cmd.Flags().Uint64Var(&f.snapshot, "snapshot-every", 10000, "snapshot the service's projection after this many events (0: never)")
}

func (f *connFlags) open(ctx context.Context, name string) (*natslog.Log, error) {
	if f.creds == "" {
		return nil, errors.New("--credentials is required: NATS takes no anonymous client (mint them with `jetplane credentials`)")
	}
	creds, err := natslog.ReadCredentials(f.creds)
	if err != nil {
		return nil, err
	}
	cfg := natslog.Config{Prefix: f.prefix, Replicas: f.replicas, SnapshotEvery: f.snapshot, Credentials: creds}
	if f.ca != "" {
		if cfg.CAPEM, err = os.ReadFile(f.ca); err != nil {
			return nil, fmt.Errorf("--nats-ca: %w", err)
		}
	}
	return dialRetrying(ctx, f.url, name, cfg)
}

// dialBackoff paces a service's attempts to open the log at start.
var dialBackoff = controller.Backoff{Base: 250 * time.Millisecond, Max: 10 * time.Second}

// dialRetrying opens the log, retrying with back-off until ctx ends: a
// service starts in any order with NATS, its cluster's JetStream leader and
// the streams and buckets the operator creates (cold start).
func dialRetrying(ctx context.Context, url, name string, cfg natslog.Config) (*natslog.Log, error) {
	for attempt := 0; ; attempt++ {
		l, err := natslog.Dial(ctx, url, name, cfg)
		if err == nil {
			return l, nil
		}
		wait := dialBackoff.Next(attempt)
		logrus.WithFields(logrus.Fields{"service": strings.TrimPrefix(name, "jetplane-"), "nats": url, "attempt": attempt + 1, "retry_in": wait}).
			WithError(err).Warn("log not open yet; retrying")
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open the log at %s: %w (last: %w)", url, ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

// serviceCommand builds the command of one service that runs until Ctrl-C.
func serviceCommand(use, short string, extra func(*cobra.Command), run func(ctx context.Context, l *natslog.Log, instance string) error) *cobra.Command {
	var f connFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			if use == "agent" || use == "proxy" {
				f.snapshot = 0 // a node's identity may write no snapshot (others would load it)
			}
			l, err := f.open(cmd.Context(), "jetplane-"+use)
			if err != nil {
				return err
			}
			defer l.Close()
			logrus.WithFields(logrus.Fields{"service": use, "nats": f.url}).Info("starting")
			return ignoreCanceled(run(cmd.Context(), l, f.instance))
		},
	}
	f.register(cmd)
	if extra != nil {
		extra(cmd)
	}
	return cmd
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func gatewayCommand() *cobra.Command {
	var f gatewayFlags
	return serviceCommand("gateway", "Serve the Kubernetes-style HTTP API", f.register,
		func(ctx context.Context, l *natslog.Log, instance string) error {
			cfg, err := f.config(l, instance)
			if err != nil {
				return err
			}
			cfg.Beside = func(ctx context.Context, p *projections.Projection) error {
				_, err := nodereports.Start(ctx, nodereports.Config{Log: l, Projection: p})
				return err
			}
			return gateway.Run(ctx, cfg)
		})
}

// gatewayFlags are the gateway's command-line settings.
type gatewayFlags struct {
	listen, serviceCIDR, clusterDNS string
	tokens, groups                  []string
	certFile, keyFile, clientCAFile string
	saKeyFile, saIssuer             string
	anonymous                       bool
	secretKeys                      string
}

func (f *gatewayFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address of the HTTP API")
	fl.StringSliceVar(&f.tokens, "token", nil, "accepted bearer token as token=user (repeatable)")
	fl.StringArrayVar(&f.groups, "group", nil, "a token user's group as user=group (repeatable; system:masters may do anything)")
	fl.StringVar(&f.clientCAFile, "client-ca-file", "", "accept client certificates signed by this CA (CN = user, O = groups)")
	fl.BoolVar(&f.anonymous, "anonymous-auth", false, "let requests without credentials in as system:anonymous, subject to RBAC")
	fl.StringVar(&f.serviceCIDR, "service-cidr", "10.96.0.0/12", "range of service cluster IPs")
	fl.StringVar(&f.clusterDNS, "cluster-dns", "", "cluster IP of kube-system/kube-dns (default: the range's tenth address, 10.96.0.10)")
	fl.StringVar(&f.certFile, "tls-cert-file", "", "serve https with this certificate (kubectl sends tokens only over https)")
	fl.StringVar(&f.keyFile, "tls-private-key-file", "", "private key of --tls-cert-file")
	fl.StringVar(&f.saKeyFile, "service-account-key-file", "",
		"PEM private key (ECDSA P-256 or RSA) that signs and verifies ServiceAccount tokens; without it, no TokenRequest API")
	fl.StringVar(&f.secretKeys, "secret-keys", "",
		"directory of the cluster keys that wrap Secrets' data keys (made when empty; every gateway of a cluster needs the same); without it, no Secrets")
	fl.StringVar(&f.saIssuer, "service-account-issuer", gateway.DefaultServiceAccountIssuer,
		"iss claim of the ServiceAccount tokens signed and accepted")
}

// pairs reads flag values of the form key=value.
func pairs(flag, want string, values []string, put func(k, v string)) error {
	for _, kv := range values {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || v == "" {
			return fmt.Errorf("--%s %q: want %s", flag, kv, want)
		}
		put(k, v)
	}
	return nil
}

// readPEM reads a PEM file a flag names and parses it.
func readPEM[T any](flag, path string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	data, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("--%s: %w", flag, err)
	}
	v, err := parse(data)
	if err != nil {
		return zero, fmt.Errorf("--%s: %w", flag, err)
	}
	return v, nil
}

// config is the gateway's Config from the flags.
func (f *gatewayFlags) config(l *natslog.Log, instance string) (gateway.Config, error) {
	cfg := gateway.Config{Log: l, Instance: instance, Addr: f.listen, Tokens: map[string]string{},
		Groups: map[string][]string{}, Anonymous: f.anonymous, ServiceCIDR: f.serviceCIDR, ClusterDNS: f.clusterDNS, ServiceAccountIssuer: f.saIssuer}
	if err := pairs("token", "token=user", f.tokens, func(tok, user string) { cfg.Tokens[tok] = user }); err != nil {
		return cfg, err
	}
	if err := pairs("group", "user=group", f.groups, func(user, g string) { cfg.Groups[user] = append(cfg.Groups[user], g) }); err != nil {
		return cfg, err
	}
	var err error
	if f.clientCAFile != "" {
		if cfg.ClientCAs, err = readPEM("client-ca-file", f.clientCAFile, authn.CAPool); err != nil {
			return cfg, err
		}
	}
	if f.saKeyFile != "" {
		if cfg.ServiceAccountKey, err = readPEM("service-account-key-file", f.saKeyFile, authn.ParsePrivateKey); err != nil {
			return cfg, err
		}
	}
	if f.secretKeys != "" {
		if cfg.SecretKeys, err = gateway.LoadSecretKeyring(f.secretKeys); err != nil {
			return cfg, fmt.Errorf("--secret-keys: %w", err)
		}
	}
	if f.certFile != "" || f.keyFile != "" {
		cert, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
		if err != nil {
			return cfg, fmt.Errorf("--tls-cert-file/--tls-private-key-file: %w", err)
		}
		// Client certificates are asked for, not checked here: a bad one is
		// a 401 from the gateway, not a failed handshake.
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			ClientAuth: tls.RequestClientCert}
	}
	return cfg, nil
}

func schedulerCommand() *cobra.Command {
	return serviceCommand("scheduler", "Bind pending pods to nodes", nil,
		func(ctx context.Context, l *natslog.Log, instance string) error {
			return scheduler.Run(ctx, scheduler.Config{Log: l, Instance: instance})
		})
}

func controllerCommand() *cobra.Command {
	var lifecycle replicacontroller.NodeLifecycleConfig
	var localPath, rootCAFile string
	return serviceCommand("controller", "Run the replica controller (Deployments, ReplicaSets, StatefulSets, volumes, garbage collection, node lifecycle)",
		func(c *cobra.Command) {
			nodeLifecycleFlags(c, &lifecycle)
			c.Flags().StringVar(&localPath, "local-path-root", replicacontroller.DefaultLocalPathRoot,
				"where on its node a local-path volume's directory goes")
			c.Flags().StringVar(&rootCAFile, "root-ca-file", "",
				"the CA bundle (PEM) that verifies the gateway's serving certificate, published in every namespace as kube-root-ca.crt "+
					"for pods' API access volumes (without it pods that mount one wait)")
		},
		func(ctx context.Context, l *natslog.Log, instance string) error {
			var rootCA []byte
			if rootCAFile != "" {
				var err error
				if rootCA, err = os.ReadFile(rootCAFile); err != nil {
					return fmt.Errorf("root CA: %w", err)
				}
			} else {
				logrus.WithField("service", "replicacontroller").Warn("no --root-ca-file: kube-root-ca.crt is not published, and pods that mount their API access volume wait for it")
			}
			return replicacontroller.Run(ctx, replicacontroller.Config{Log: l, Instance: instance, NodeLifecycle: lifecycle,
				LocalPathRoot: localPath, RootCA: rootCA})
		})
}

func endpointsCommand() *cobra.Command {
	return serviceCommand("endpoints", "Keep Endpoints of Services to their ready pods", nil,
		func(ctx context.Context, l *natslog.Log, instance string) error {
			return endpointcontroller.Run(ctx, endpointcontroller.Config{Log: l, Instance: instance})
		})
}

func agentCommand() *cobra.Command {
	var node, images string
	var labels map[string]string
	var cpu, memory string
	var maxPods int
	var capacity nodeagent.Config // CPU, Memory, MaxPods from the flags
	var rtOpts nodeagent.RuntimeOptions
	var clusterDNS []string
	var clusterDomain string
	var usageInterval time.Duration
	var rootDir, nodeIP string
	return serviceCommand("agent", "Run a node agent with the docker, process or hollow runtime", func(c *cobra.Command) {
		c.Flags().StringVar(&rtOpts.Kind, "runtime", "", "docker, process or hollow (default: docker when a Docker engine answers, else process)")
		c.Flags().StringVar(&rtOpts.PodCIDR, "pod-cidr", "", "hollow runtime: pod addresses (default: a /24 of 10.0.0.0/8)")
		host, _ := os.Hostname()
		c.Flags().StringVar(&node, "node", strings.ToLower(host), "node name")
		c.Flags().StringVar(&images, "images", "bin/images", "directory of process-runtime images")
		c.Flags().StringToStringVar(&labels, "labels", nil, "extra node labels, k=v,...")
		c.Flags().StringVar(&cpu, "cpu", "", "node cpu capacity (e.g. 4, 1500m); default: the machine's")
		c.Flags().StringVar(&memory, "memory", "", "node memory capacity (e.g. 8Gi); default: the machine's")
		c.Flags().IntVar(&maxPods, "max-pods", nodeagent.DefaultMaxPods, "pods the node accepts")
		c.Flags().StringSliceVar(&clusterDNS, "cluster-dns", nil, "nameservers of ClusterFirst pods' resolv.conf (kube-dns's cluster IP, e.g. 10.96.0.10); none: pods keep the node's resolver")
		c.Flags().StringVar(&clusterDomain, "cluster-domain", "cluster.local", "the cluster domain of pods' DNS search path")
		c.Flags().StringVar(&rootDir, "root-dir", "/var/lib/jetplane/agent", "where the agent keeps its pods' files (volumes), as the kubelet's --root-dir")
		c.Flags().DurationVar(&usageInterval, "usage-interval", 15*time.Second, "how often the node's and its containers' usage is reported (kubectl top); negative: never")
		c.Flags().StringVar(&nodeIP, "node-ip", nodeagent.HostIP, "the node's InternalIP and its pods' hostIP; auto: this host's first non-loopback IPv4 address")
		c.PreRunE = func(*cobra.Command, []string) error { return capacity.SetCapacity(cpu, memory, maxPods) }
	}, func(ctx context.Context, l *natslog.Log, instance string) error {
		// Per node: two agents on one machine share a --root-dir.
		rtOpts.NodeName, rtOpts.ImagesDir, rtOpts.StateDir = node, images, filepath.Join(rootDir, "process", node)
		ip, err := nodeIPFlag(nodeIP)
		if err != nil {
			return err
		}
		rt, keep, err := nodeagent.NewRuntime(rtOpts)
		if err != nil {
			return err
		}
		return nodeagent.Run(ctx, nodeagent.Config{Log: l, NodeName: node, Runtime: rt, Labels: labels,
			CPU: capacity.CPU, Memory: capacity.Memory, MaxPods: capacity.MaxPods, KeepContainers: keep,
			ClusterDNS: clusterDNS, ClusterDomain: clusterDomain, UsageInterval: usageInterval,
			PodsDir: filepath.Join(rootDir, "pods"), NodeIP: ip})
	})
}

func proxyCommand() *cobra.Command {
	var node, address, ingress, clusterIPs, serviceCIDR string
	return serviceCommand("proxy", "Open a node's NodePort and LoadBalancer ports and forward them to ready endpoints (kube-proxy's job)", func(c *cobra.Command) {
		host, _ := os.Hostname()
		c.Flags().StringVar(&node, "node", strings.ToLower(host), "node name")
		c.Flags().StringVar(&address, "address", "127.0.0.1", "address the node's service ports listen on")
		c.Flags().StringVar(&ingress, "ingress-listen", "", "serve Ingress rules over HTTP at this host:port")
		c.Flags().StringVar(&clusterIPs, "cluster-ips", serviceproxy.ClusterIPsAuto, "program the ClusterIP data path into this host's kernel: on, off, or auto (when the host allows it)")
		c.Flags().StringVar(&serviceCIDR, "service-cidr", serviceproxy.DefaultServiceCIDR, "range of service cluster IPs")
	}, func(ctx context.Context, l *natslog.Log, instance string) error {
		return serviceproxy.Run(ctx, serviceproxy.Config{Log: l, Node: node, Address: address, IngressAddress: ingress,
			ClusterIPs: clusterIPs, ServiceCIDR: serviceCIDR})
	})
}

func upCommand() *cobra.Command {
	var o allinone.Options
	var nats, sync string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run the whole control plane and one node agent in this process on an embedded NATS server",
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.NATSSyncAlways, o.NATSSyncInterval, err = syncFlag(sync); err != nil {
				return err
			}
			host, port, err := splitHostPortFlag(nats)
			if err != nil {
				return err
			}
			o.NATSHost, o.NATSPort = host, port
			c, err := allinone.Start(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Jetplane is up: API %s, NATS %s\n  kubectl --kubeconfig %s get nodes\nPress Ctrl-C to stop.\n",
				c.GatewayURL, c.NATSURL, c.Kubeconfig)
			<-cmd.Context().Done()
			return c.Wait()
		},
	}
	cmd.Flags().StringVar(&o.DataDir, "data", "jetplane-data", "data directory (event log, kubeconfig)")
	cmd.Flags().StringVar(&o.GatewayAddr, "listen", "127.0.0.1:8080", "address of the HTTP API")
	cmd.Flags().StringVar(&nats, "nats-listen", "127.0.0.1:4222", "address of the embedded NATS server")
	cmd.Flags().StringVar(&sync, "nats-sync", "2m", "when JetStream writes reach the disk: always, or a flush interval (JetStream's default, 2m; one machine: a crash of it may lose the last interval's acknowledged writes)")
	cmd.Flags().StringVar(&o.ImagesDir, "images", "bin/images", "directory of process-runtime images")
	cmd.Flags().StringVar(&o.Runtime, "runtime", "", "node runtime: docker or process (default: docker when a Docker engine answers and the hello images exist or can be built, else process)")
	cmd.Flags().StringVar(&o.NodeName, "node", "", "name of the local node (default: host name)")
	cmd.Flags().StringVar(&o.ServiceCIDR, "service-cidr", "10.96.0.0/12", "range of service cluster IPs")
	cmd.Flags().StringVar(&o.IngressAddr, "ingress-listen", "127.0.0.1:8081", "where Ingress rules are served over HTTP (- for nowhere)")
	cmd.Flags().StringVar(&o.ClusterIPs, "cluster-ips", serviceproxy.ClusterIPsAuto, "program the ClusterIP data path into this host's kernel (nftables, a local route for the service range): on, off, or auto (when the host allows it: root and nft)")
	cmd.Flags().StringVar(&o.DNSAddr, "dns-listen", allinone.DNSAuto, "run the cluster DNS (CoreDNS) at host:port; auto: port 53 on the Docker bridge's gateway (docker runtime) or a loopback port; - for none")
	cmd.Flags().StringVar(&o.ClusterDNS, "cluster-dns", "", "cluster IP of kube-system/kube-dns (default: the range's tenth address, 10.96.0.10)")
	cmd.Flags().StringSliceVar(&o.DNSUpstreams, "dns-upstream", nil, "where the cluster DNS forwards other names (default: /etc/resolv.conf's servers)")
	cmd.Flags().StringToStringVar(&o.Tokens, "token", nil, "more users, as token=user (repeatable; RBAC decides what they may do); the admin's token is in <data>/admin-token")
	cmd.Flags().BoolVar(&o.AnonymousAuth, "anonymous-auth", false, "let requests without credentials in as system:anonymous, subject to RBAC")
	cmd.Flags().Uint64Var(&o.Events.SnapshotEvery, "snapshot-every", allinone.DefaultSnapshotEvery, "projections snapshot after this many events")
	cmd.Flags().DurationVar(&o.Events.SnapshotInterval, "snapshot-interval", allinone.DefaultSnapshotInterval, "and at least this often while events come")
	cmd.Flags().DurationVar(&o.Events.MaxAge, "retention-max-age", 0, "drop events older than this (0 keeps all: the time-travel horizon is unlimited)")
	cmd.Flags().Int64Var(&o.Events.MaxBytes, "retention-max-bytes", 0, "drop the oldest events beyond this size (0 keeps all)")
	nodeLifecycleFlags(cmd, &o.NodeLifecycle)
	return cmd
}
