package serviceproxy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/jetplane/jetplane/clusterip"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// DefaultServiceCIDR is Kubernetes' default service range.
const DefaultServiceCIDR = "10.96.0.0/12"

// OpenDataPath programs this host's ClusterIP data path as cfg.ClusterIPs
// says: nil when off, or (auto) when the host does not allow it or another
// process owns it, which is logged. A caller that needs to know whether
// cluster IPs work here (the cluster DNS, before handing its cluster IP to
// pods) opens it first and passes it in Config.DataPath; otherwise Run
// opens it. Run closes it when it ends.
func OpenDataPath(ctx context.Context, cfg Config) (*DataPath, error) {
	log := logrus.WithFields(logrus.Fields{"service": "serviceproxy", "node": cfg.Node})
	mode := cfg.ClusterIPs
	if mode == "" || mode == ClusterIPsOff {
		return nil, nil
	}
	if mode != ClusterIPsAuto && mode != ClusterIPsOn {
		return nil, fmt.Errorf("serviceproxy: cluster IPs %q: want off, auto or on", mode)
	}
	cidr := cfg.ServiceCIDR
	if cidr == "" {
		cidr = DefaultServiceCIDR
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("serviceproxy: service range: %w", err)
	}
	table := cfg.Table
	if table == "" {
		table = DefaultTable
	}
	dp, err := openDataPath(ctx, table, prefix.Masked())
	if err != nil {
		if mode == ClusterIPsOn && !errors.Is(err, ErrNotOwner) {
			return nil, fmt.Errorf("serviceproxy: %w", err)
		}
		log.WithError(err).Warn("no ClusterIP data path from this node: pods here reach Services only through node ports")
		return nil, nil
	}
	log.WithFields(logrus.Fields{"table": table, "range": prefix.Masked().String(),
		"masqueradeAll": dp.masqueradeAll}).Info("ClusterIP data path programmed in the kernel")
	return dp, nil
}

// closeDataPath removes the table and the route on a clean shutdown.
func (p *proxy) closeDataPath() {
	if p.dp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.dp.Close(ctx); err != nil {
		p.log.WithError(err).Warn("ClusterIP data path left behind")
		return
	}
	p.log.Info("ClusterIP data path removed")
}

// syncClusterIPs writes what changed in the Services' rules to the kernel.
func (p *proxy) syncClusterIPs(svcs []*corev1.Service) {
	if p.dp == nil {
		return
	}
	state := p.proj.State()
	rules := clusterip.Rules(clusterip.Input{Services: svcs,
		Endpoints: func(ns, name string) *corev1.Endpoints {
			if e := state.Live("endpoints", ns, name); e != nil {
				ep, _ := e.Object.(*corev1.Endpoints)
				return ep
			}
			return nil
		},
		Local: p.sameHost()})
	start := time.Now()
	want := render(rules, p.dp.masqueradeAll)
	ops, err := p.dp.table.sync(context.Background(), want)
	if err != nil {
		// The table is not what the last sync left (changed from outside,
		// or a commit's outcome lost): write it anew, whole.
		p.log.WithError(err).Warn("ClusterIP rules not written; rewriting the table")
		if err = p.dp.table.reset(context.Background()); err == nil {
			ops, err = p.dp.table.sync(context.Background(), want)
		}
	}
	if err != nil {
		p.log.WithError(err).Error("ClusterIP rules not written; retrying at the next change")
		return
	}
	if ops > 0 {
		p.log.WithFields(logrus.Fields{"rules": len(rules), "operations": ops, "took": time.Since(start).String()}).Debug("ClusterIP rules synced")
	}
}

// sameHost reports which nodes share this host's kernel: this node, and
// the nodes whose boot ID is this node's (several agents on one host), for
// internalTrafficPolicy Local.
func (p *proxy) sameHost() func(string) bool {
	state := p.proj.State()
	bootID := func(name string) string {
		if e := state.Live("nodes", "", name); e != nil {
			if n, ok := e.Object.(*corev1.Node); ok {
				return n.Status.NodeInfo.BootID
			}
		}
		return ""
	}
	mine := bootID(p.cfg.Node)
	return func(node string) bool {
		return node == p.cfg.Node || (mine != "" && node != "" && bootID(node) == mine)
	}
}
