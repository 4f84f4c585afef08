package projections

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Dump renders the whole state as sorted lines "resource ns/name seq object",
// tombstones included: two states are equal when their dumps are.
func (s *State) Dump() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for res, byNS := range s.objects {
		for ns, byName := range byNS {
			for name, e := range byName {
				data := []byte("<deleted>")
				if e.Object != nil {
					data, _ = json.Marshal(e.Object)
				}
				out = append(out, fmt.Sprintf("%s %s/%s %d %s", res, ns, name, e.Seq, data))
			}
		}
	}
	sort.Strings(out)
	return out
}
