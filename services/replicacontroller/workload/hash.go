package workload

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// TemplateHash names a pod template: FNV-32a over its JSON (and the
// collision count, so that a collision yields another name), rendered with
// the consonant-and-digit alphabet so it is always a valid label value.
// Deployments label with it as pod-template-hash, DaemonSets as
// controller-revision-hash.
func TemplateHash(tmpl *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	// A PodTemplateSpec always marshals; the error is impossible.
	data, _ := json.Marshal(tmpl)
	h.Write(data)
	if collisionCount != nil {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(*collisionCount))
		h.Write(b[:])
	}
	return rand.SafeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}
