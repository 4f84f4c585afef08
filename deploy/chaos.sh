#!/bin/bash
# make chaos: the hello Deployment at 6 replicas on the make cluster
# cluster, then `jetplane chaos` (package chaos): for each fault, a workload
# of concurrent creates, CAS increments of counters, a rollout and a watch
# opened right after the fault; the fault injected through the Docker engine
# and healed; then the checker over the whole event log. It prints the table
# and exits 1 on a lost write, an invariant violation or a rollout that did
# not complete. FAULTS (comma-separated action:target[@duration]) narrows it.
set -eu
dir=${CLUSTER_DIR:-$PWD/bin/cluster}
export KUBECONFIG=${KUBECONFIG:-$dir/kubeconfig}
kubectl apply -f examples/hello.yaml >/dev/null && kubectl scale deploy/hello --replicas=6 >/dev/null &&
	kubectl rollout status deploy/hello --timeout=120s >/dev/null || { echo "chaos: the cluster is not ready (make cluster)"; exit 1; }
exec bin/jetplane chaos --replicas 3 --nats tls://127.0.0.1:4301,tls://127.0.0.1:4302,tls://127.0.0.1:4303 \
	--nats-ca "$dir/pki/ca.crt" --credentials "$dir/creds/operator.creds" ${FAULTS:+--faults "$FAULTS"}
