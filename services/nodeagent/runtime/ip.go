package runtime

import (
	"fmt"
	"hash/fnv"
	"sync"
)

// loopbackIPs are the pod addresses handed out in this OS process, shared by
// every process runtime in it (several agents may run in one process).
var loopbackIPs = struct {
	sync.Mutex
	owner map[string]string // ip → pod UID
}{owner: map[string]string{}}

// loopbackRange is the part of 127.0.0.0/8 used for pods: second octet
// lo..hi. 127.0.x.x is never used, so 127.0.0.1 stays the host's.
type loopbackRange struct{ lo, hi int }

func (r loopbackRange) size() uint32 { return uint32(r.hi-r.lo+1) * 256 * 254 }

func (r loopbackRange) at(i uint32) string {
	i %= r.size()
	return fmt.Sprintf("127.%d.%d.%d", r.lo+int(i/(256*254)), (i/254)%256, 1+i%254)
}

// allocate picks a stable address for uid: preferred if it is free, else the
// first free one from a hash of the UID.
func (r loopbackRange) allocate(uid, preferred string, inUse func(string) bool) (string, error) {
	taken := func(ip string) bool {
		if o, ok := loopbackIPs.owner[ip]; ok && o != uid {
			return true
		}
		return inUse != nil && inUse(ip)
	}
	loopbackIPs.Lock()
	defer loopbackIPs.Unlock()
	for ip, o := range loopbackIPs.owner {
		if o == uid && (preferred == "" || preferred == ip) {
			return ip, nil
		}
	}
	if preferred != "" && r.contains(preferred) && !taken(preferred) {
		r.release(uid)
		loopbackIPs.owner[preferred] = uid
		return preferred, nil
	}
	h := fnv.New32a()
	h.Write([]byte(uid))
	start := h.Sum32()
	for n := uint32(0); n < r.size(); n++ {
		ip := r.at(start + n)
		if !taken(ip) {
			r.release(uid)
			loopbackIPs.owner[ip] = uid
			return ip, nil
		}
	}
	return "", fmt.Errorf("pod %s: %w", uid, ErrNoAddress)
}

func (r loopbackRange) contains(ip string) bool {
	var a, b, c, d int
	if n, _ := fmt.Sscanf(ip, "%d.%d.%d.%d", &a, &b, &c, &d); n != 4 {
		return false
	}
	return a == 127 && b >= r.lo && b <= r.hi && c >= 0 && c <= 255 && d >= 1 && d <= 254 && ip == fmt.Sprintf("127.%d.%d.%d", b, c, d)
}

// release must be called with loopbackIPs held.
func (r loopbackRange) release(uid string) {
	for ip, o := range loopbackIPs.owner {
		if o == uid {
			delete(loopbackIPs.owner, ip)
		}
	}
}

func releaseLoopback(uid string) {
	loopbackIPs.Lock()
	defer loopbackIPs.Unlock()
	loopbackRange{}.release(uid)
}
