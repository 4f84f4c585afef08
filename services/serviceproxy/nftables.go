package serviceproxy

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/jetplane/jetplane/clusterip"
	"sigs.k8s.io/knftables"
)

// The ClusterIP data path lives in one nftables table of family ip, which
// Jetplane owns whole (kube-proxy's nftables mode, in small):
//
//	map service-ips   clusterIP . proto . port → goto svc-<hash>
//	chain services    ip daddr . meta l4proto . th dport vmap @service-ips
//	nat-prerouting    (pods)  jump services
//	nat-output        (the host, process-runtime pods) jump services
//	svc-<hash>        [affinity: ip saddr @aff-<ep> goto ep-<ep>]
//	                  numgen random mod (N-i) 0 goto ep-<i>, then the last
//	ep-<hash>         hairpin or host source → mark for masquerade;
//	                  [update @aff-<ep> { ip saddr }]; dnat to ip:port
//	nat-postrouting   marked → masquerade
//	filter-input      anything still addressed to the service range → reject
//
// A cluster IP without ready endpoints has no map entry: its packets keep
// their address, the service range's local route delivers them to this
// host, and filter-input refuses them (TCP reset, ICMP port unreachable),
// so nothing addressed to the range ever leaves the machine. NAT chains see
// only a connection's first packet, so established connections keep their
// backend when the rules change.

// masqueradeMark is the packet mark bit that asks nat-postrouting to
// masquerade (kube-proxy uses 0x4000; Jetplane's own bit keeps the two apart).
const masqueradeMark = "0x20000"

const (
	serviceIPsMap  = "service-ips"
	servicesChain  = "services"
	ruleComment    = "jetplane ClusterIP data path"
	chainHashBytes = 10
)

// kernelRules is what the table holds beyond its fixed base: the service
// chains and endpoint chains with their rules, the map's elements and the
// affinity sets.
type kernelRules struct {
	chains   map[string][]string      // chain → rules
	elements map[string]string        // "ip . proto . port" → verdict
	sets     map[string]time.Duration // affinity set → timeout
}

// render turns rules into the table's content. masqueradeAll marks every
// service connection for masquerade (when bridged traffic bypasses the
// host's conntrack, the reply of a pod on the same bridge would otherwise
// skip the reverse NAT).
func render(rules []clusterip.Rule, masqueradeAll bool) kernelRules {
	k := kernelRules{chains: map[string][]string{}, elements: map[string]string{}, sets: map[string]time.Duration{}}
	for _, r := range rules {
		if len(r.Backends) == 0 {
			continue
		}
		proto := strings.ToLower(string(r.Protocol))
		svc := "svc-" + shortHash(r.Key())
		var rules []string
		if masqueradeAll {
			rules = append(rules, "meta mark set meta mark or "+masqueradeMark)
		} else {
			// The host's own connections leave with the service address as
			// their source: masquerade them.
			rules = append(rules, "fib saddr type local meta mark set meta mark or "+masqueradeMark)
		}
		var eps []string
		for _, b := range r.Backends {
			ep := "ep-" + shortHash(r.Key()+"|"+b.HostPort())
			eps = append(eps, ep)
			epRules := []string{fmt.Sprintf("ip saddr %s meta mark set meta mark or %s", b.IP, masqueradeMark)}
			if r.Affinity > 0 {
				// The timeout is part of the name: a set keeps the timeout
				// it was made with, so a new timeout is a new set.
				set := "aff-" + shortHash(ep+"|"+r.Affinity.String())
				k.sets[set] = r.Affinity
				rules = append(rules, fmt.Sprintf("ip saddr @%s goto %s", set, ep))
				epRules = append(epRules, fmt.Sprintf("update @%s { ip saddr }", set))
			}
			epRules = append(epRules, fmt.Sprintf("meta l4proto %s dnat to %s", proto, b.HostPort()))
			k.chains[ep] = epRules
		}
		// Backend i of n is taken with probability 1/(n-i) among those left
		// (iptables' statistic method, uniform overall): a random number
		// per rule rather than one anonymous vmap per Service, since the
		// kernel names anonymous sets by scanning the table's sets, which
		// makes thousands of them quadratic (35 s for 10,000 Services).
		for i, ep := range eps {
			if left := len(eps) - i; left > 1 {
				rules = append(rules, fmt.Sprintf("numgen random mod %d 0 goto %s", left, ep))
			} else {
				rules = append(rules, "goto "+ep)
			}
		}
		k.chains[svc] = rules
		k.elements[fmt.Sprintf("%s . %s . %d", r.IP, proto, r.Port)] = "goto " + svc
	}
	return k
}

// shortHash names a chain after what it serves, within nft's name rules.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:chainHashBytes]))
}

// nftTable programs one table, remembering what it last wrote so that a
// sync sends only what changed.
type nftTable struct {
	nft     knftables.Interface
	cidr    netip.Prefix
	applied kernelRules
}

func newNFTTable(nft knftables.Interface, cidr netip.Prefix) *nftTable {
	return &nftTable{nft: nft, cidr: cidr, applied: kernelRules{chains: map[string][]string{},
		elements: map[string]string{}, sets: map[string]time.Duration{}}}
}

func ptr[T any](v T) *T { return &v }

// reset replaces whatever a table of that name holds (an earlier run's,
// killed before it cleaned up) with the fixed base.
func (t *nftTable) reset(ctx context.Context) error {
	tx := t.nft.NewTransaction()
	tx.Add(&knftables.Table{Comment: ptr(ruleComment)})
	tx.Delete(&knftables.Table{})
	tx.Add(&knftables.Table{Comment: ptr(ruleComment)})
	tx.Add(&knftables.Map{Name: serviceIPsMap, Type: "ipv4_addr . inet_proto . inet_service : verdict"})
	tx.Add(&knftables.Chain{Name: servicesChain})
	tx.Add(&knftables.Rule{Chain: servicesChain, Rule: "ip daddr . meta l4proto . th dport vmap @" + serviceIPsMap})
	base := func(name string, typ knftables.BaseChainType, hook knftables.BaseChainHook, prio knftables.BaseChainPriority, rules ...string) {
		tx.Add(&knftables.Chain{Name: name, Type: ptr(typ), Hook: ptr(hook), Priority: ptr(prio)})
		for _, r := range rules {
			tx.Add(&knftables.Rule{Chain: name, Rule: r})
		}
	}
	base("nat-prerouting", knftables.NATType, knftables.PreroutingHook, knftables.DNATPriority, "jump "+servicesChain)
	base("nat-output", knftables.NATType, knftables.OutputHook, knftables.DNATPriority, "jump "+servicesChain)
	base("nat-postrouting", knftables.NATType, knftables.PostroutingHook, knftables.SNATPriority,
		fmt.Sprintf("meta mark & %s != 0 masquerade", masqueradeMark))
	base("filter-input", knftables.FilterType, knftables.InputHook, knftables.FilterPriority,
		// Only new connections: the replies of the host's own connections
		// come back to its service-address source.
		fmt.Sprintf("ct state new ip daddr %s meta l4proto tcp reject with tcp reset", t.cidr),
		fmt.Sprintf("ct state new ip daddr %s reject", t.cidr))
	if err := t.nft.Run(ctx, tx); err != nil {
		return fmt.Errorf("nftables: create table: %w", err)
	}
	t.applied = kernelRules{chains: map[string][]string{}, elements: map[string]string{}, sets: map[string]time.Duration{}}
	return nil
}

// sync writes the difference between what the table holds and want, in
// one transaction (nft applies it atomically). It returns how many
// operations it sent.
func (t *nftTable) sync(ctx context.Context, want kernelRules) (int, error) {
	tx := t.nft.NewTransaction()
	for _, name := range slices.Sorted(maps.Keys(want.sets)) {
		if _, ok := t.applied.sets[name]; !ok {
			tx.Add(&knftables.Set{Name: name, Type: "ipv4_addr", Flags: []knftables.SetFlag{knftables.DynamicFlag, knftables.TimeoutFlag},
				Timeout: ptr(want.sets[name])})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want.chains)) {
		rules := want.chains[name]
		if old, ok := t.applied.chains[name]; ok && slices.Equal(old, rules) {
			continue
		}
		tx.Add(&knftables.Chain{Name: name})
		tx.Flush(&knftables.Chain{Name: name})
		for _, r := range rules {
			tx.Add(&knftables.Rule{Chain: name, Rule: r})
		}
	}
	for _, key := range slices.Sorted(maps.Keys(t.applied.elements)) {
		if v, ok := want.elements[key]; !ok || v != t.applied.elements[key] {
			tx.Delete(&knftables.Element{Map: serviceIPsMap, Key: strings.Split(key, " . ")})
		}
	}
	for _, key := range slices.Sorted(maps.Keys(want.elements)) {
		if v, ok := t.applied.elements[key]; !ok || v != want.elements[key] {
			tx.Add(&knftables.Element{Map: serviceIPsMap, Key: strings.Split(key, " . "), Value: []string{want.elements[key]}})
		}
	}
	var gone []string
	for _, name := range slices.Sorted(maps.Keys(t.applied.chains)) {
		if _, ok := want.chains[name]; !ok {
			gone = append(gone, name)
			tx.Flush(&knftables.Chain{Name: name})
		}
	}
	for _, name := range gone {
		tx.Delete(&knftables.Chain{Name: name})
	}
	for _, name := range slices.Sorted(maps.Keys(t.applied.sets)) {
		if _, ok := want.sets[name]; !ok {
			tx.Delete(&knftables.Set{Name: name})
		}
	}
	n := tx.NumOperations()
	if n == 0 {
		return 0, nil
	}
	if err := t.nft.Run(ctx, tx); err != nil {
		return 0, fmt.Errorf("nftables: sync: %w", err)
	}
	t.applied = want
	return n, nil
}

// remove deletes the table.
func (t *nftTable) remove(ctx context.Context) error {
	tx := t.nft.NewTransaction()
	tx.Add(&knftables.Table{})
	tx.Delete(&knftables.Table{})
	return t.nft.Run(ctx, tx)
}
