package invariants

import "fmt"

// BoundOnce: a pod, once bound to a node, stays on that node.
func (h *History) BoundOnce(from uint64) []Violation {
	var out []Violation
	node := map[string]string{} // pod UID → node
	for _, v := range h.versions {
		if v.Key.Resource != "pods" || v.UID == "" {
			continue
		}
		was, bound := node[v.UID]
		switch {
		case !bound || was == "":
			node[v.UID] = v.NodeName
		case v.NodeName != was && !v.Deleted && v.RV >= from:
			out = append(out, Violation{"pod bound twice", fmt.Sprintf("%s (%s) at %d: %s, then %q", v.Key, v.UID, v.RV, was, v.NodeName)})
		}
	}
	return out
}

// Surge: at no point of the log from from on does a Deployment have more
// pods than spec.replicas + maxSurge — neither in its ReplicaSets'
// spec.replicas together (what its controller bounds), nor running (phase
// Running, not terminating) over all its ReplicaSets. One violation per
// Deployment and kind is reported: the highest count.
func (h *History) Surge(from uint64) []Violation {
	type worst struct {
		n  int
		at uint64
	}
	type deployment struct {
		key                     Key
		replicas, maxSurge      int
		worstSpec, worstRunning worst
	}
	deployments := map[string]*deployment{} // UID → its state
	rsOwner := map[string]string{}          // ReplicaSet UID → Deployment UID
	rsReplicas := map[string]int{}          // ReplicaSet UID → spec.replicas
	podOf := map[Key]Version{}              // the pods' last versions
	running := map[string]int{}             // Deployment UID → running pods
	count := func(v Version, sign int) {
		if v.Running && !v.Deleted {
			if d, ok := rsOwner[v.Owner]; ok {
				running[d] += sign
			}
		}
	}
	over := func(d *deployment, n int, w *worst, at uint64) {
		if at >= from && n > d.replicas+d.maxSurge && n > w.n {
			*w = worst{n, at}
		}
	}
	for _, v := range h.versions {
		switch v.Key.Resource {
		case "deployments":
			if v.Deleted {
				delete(deployments, v.UID)
				continue
			}
			d := deployments[v.UID]
			if d == nil {
				d = &deployment{key: v.Key}
				deployments[v.UID] = d
			}
			d.replicas, d.maxSurge = v.Replicas, v.MaxSurge
		case "replicasets":
			if v.Owner == "" {
				continue
			}
			rsOwner[v.UID] = v.Owner
			if v.Deleted {
				delete(rsReplicas, v.UID)
			} else {
				rsReplicas[v.UID] = v.Replicas
			}
			if d := deployments[v.Owner]; d != nil {
				sum := 0
				for rs, n := range rsReplicas {
					if rsOwner[rs] == v.Owner {
						sum += n
					}
				}
				over(d, sum, &d.worstSpec, v.RV)
			}
		case "pods":
			if old, ok := podOf[v.Key]; ok {
				count(old, -1)
			}
			podOf[v.Key] = v
			count(v, +1)
			if d := deployments[rsOwner[v.Owner]]; d != nil {
				over(d, running[rsOwner[v.Owner]], &d.worstRunning, v.RV)
			}
		}
	}
	var out []Violation
	for _, d := range deployments {
		if w := d.worstSpec; w.n > 0 {
			out = append(out, Violation{"more pods than replicas + maxSurge", fmt.Sprintf("%s at %d: its ReplicaSets want %d pods, replicas %d, maxSurge %d", d.key, w.at, w.n, d.replicas, d.maxSurge)})
		}
		if w := d.worstRunning; w.n > 0 {
			out = append(out, Violation{"more pods than replicas + maxSurge", fmt.Sprintf("%s at %d: %d pods running, replicas %d, maxSurge %d", d.key, w.at, w.n, d.replicas, d.maxSurge)})
		}
	}
	return out
}
