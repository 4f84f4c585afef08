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

// openDataPath takes over the host's ClusterIP data path as Config says;
// the data path is closed (table and route removed) when ctx ends.
func (p *proxy) openDataPath(ctx context.Context) error {
	mode := p.cfg.ClusterIPs
	if mode == "" || mode == ClusterIPsOff {
		return nil
	}
	if mode != ClusterIPsAuto && mode != ClusterIPsOn {
		return fmt.Errorf("serviceproxy: cluster IPs %q: want off, auto or on", mode)
	}
	cidr := p.cfg.ServiceCIDR
	if cidr == "" {
		cidr = DefaultServiceCIDR
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return fmt.Errorf("serviceproxy: service range: %w", err)
	}
	table := p.cfg.Table
	if table == "" {
		table = DefaultTable
	}
	dp, err := openDataPath(ctx, table, prefix.Masked())
	if err != nil {
		if mode == ClusterIPsOn && !errors.Is(err, ErrNotOwner) {
			return fmt.Errorf("serviceproxy: %w", err)
		}
		p.log.WithError(err).Warn("no ClusterIP data path from this node: pods here reach Services only through node ports")
		return nil
	}
	p.dp = dp
	p.log.WithFields(logrus.Fields{"table": table, "range": prefix.Masked().String(),
		"masqueradeAll": dp.masqueradeAll}).Info("ClusterIP data path programmed in the kernel")
	return nil
}

// closeDataPath removes the table and the route on a clean shutdown.
func (p *proxy) closeDataPath() {
	if p.dp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.dp.close(ctx); err != nil {
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
	ops, err := p.dp.table.sync(context.Background(), render(rules, p.dp.masqueradeAll))
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
