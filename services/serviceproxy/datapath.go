package serviceproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"sigs.k8s.io/knftables"
)

// DefaultTable is the nftables table (family ip) of the ClusterIP data path.
const DefaultTable = "jetplane"

// LockDir holds one lock file per table: the process holding it owns the
// table and the service range's route on this host, so that several nodes
// (or clusters) on one kernel never fight over them.
var LockDir = "/run/jetplane"

// ErrNotOwner: another process on this host owns the data path's table.
var ErrNotOwner = errors.New("another process on this host programs the ClusterIP data path")

// DataPath is the kernel side of cluster IPs on this host: the nftables
// table and the local route of the service range.
type DataPath struct {
	table *nftTable
	cidr  netip.Prefix
	lock  *os.File
	route *netlink.Route
	// masqueradeAll: bridged pod traffic bypasses the host's conntrack
	// (br_netfilter off), so every service connection is masqueraded.
	masqueradeAll bool
}

// openDataPath takes the host's lock for the table, replaces the table with
// a fresh one and routes the service range to this host (type local), so
// that nothing addressed to it leaves the machine.
func openDataPath(ctx context.Context, tableName string, cidr netip.Prefix) (*DataPath, error) {
	if !cidr.Addr().Is4() {
		return nil, fmt.Errorf("ClusterIP data path: service range %s: only IPv4 is supported", cidr)
	}
	lock, err := lockTable(tableName)
	if err != nil {
		return nil, err
	}
	nft, err := knftables.New(knftables.IPv4Family, tableName)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("ClusterIP data path: %w", err)
	}
	d := &DataPath{table: newNFTTable(nft, cidr), cidr: cidr, lock: lock, masqueradeAll: !bridgeNetfilter()}
	if err := d.table.reset(ctx); err != nil {
		lock.Close()
		return nil, err
	}
	if d.route, err = routeLocal(cidr); err != nil {
		_ = d.table.remove(context.WithoutCancel(ctx))
		lock.Close()
		return nil, err
	}
	return d, nil
}

// Close removes the table and the route, then lets go of the lock.
func (d *DataPath) Close(ctx context.Context) error {
	err := d.table.remove(ctx)
	if d.route != nil {
		if rerr := netlink.RouteDel(d.route); rerr != nil && !errors.Is(rerr, unix.ESRCH) {
			err = errors.Join(err, fmt.Errorf("route %s: %w", d.cidr, rerr))
		}
	}
	d.lock.Close()
	return err
}

func lockTable(table string) (*os.File, error) {
	if err := os.MkdirAll(LockDir, 0o755); err != nil {
		return nil, fmt.Errorf("ClusterIP data path: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(LockDir, "nftables-"+table+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("ClusterIP data path: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("table %s: %w", table, ErrNotOwner)
		}
		return nil, fmt.Errorf("ClusterIP data path: lock: %w", err)
	}
	return f, nil
}

// routeLocal adds "local <cidr> dev lo" to the local routing table: every
// address of the range is this host's, so a packet to it is DNATed by the
// table or refused by filter-input, never forwarded.
func routeLocal(cidr netip.Prefix) (*netlink.Route, error) {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return nil, fmt.Errorf("ClusterIP data path: loopback: %w", err)
	}
	r := &netlink.Route{LinkIndex: lo.Attrs().Index, Dst: &net.IPNet{IP: cidr.Addr().AsSlice(),
		Mask: net.CIDRMask(cidr.Bits(), 32)}, Type: unix.RTN_LOCAL, Table: unix.RT_TABLE_LOCAL, Scope: netlink.SCOPE_HOST}
	if err := netlink.RouteReplace(r); err != nil {
		return nil, fmt.Errorf("ClusterIP data path: route local %s: %w", cidr, err)
	}
	return r, nil
}

// bridgeNetfilter reports whether bridged IPv4 traffic passes the host's
// netfilter hooks (br_netfilter), so replies between pods on one bridge
// are un-NATed without masquerading.
func bridgeNetfilter() bool {
	b, err := os.ReadFile("/proc/sys/net/bridge/bridge-nf-call-iptables")
	return err == nil && strings.TrimSpace(string(b)) == "1"
}
