// Package invariants is the checker of the fault-injection suite (make
// chaos), Jepsen-style: given what clients were told (acknowledgements,
// observations, watch deliveries) and what the log holds afterwards, it
// returns every violation of the guarantees Jetplane makes — an
// acknowledged write missing, a lost update, two values at one
// resourceVersion, a watch gap or duplicate, a pod bound twice, more pods
// than replicas + maxSurge. It is pure: plain structs in, violations out.
package invariants
