#!/bin/bash
# make chaos: faults injected into the make cluster cluster while a workload
# runs — for each fault, 40 concurrent creates and a rollout of the hello
# Deployment, the container killed (-9) right after they start, and started
# again DOWN (5) seconds later. The checker: every acknowledged create is there afterwards, the
# rollout completes, and how long after the kill the cluster converged
# (rollout complete, every write answered). It prints a table and exits 1 on
# a lost acknowledged write or a rollout that did not complete.
#
# Not yet here (issue 18): CAS counters, SIGSTOP pauses, network partitions,
# a full disk, and the pod-level invariants (no pod bound twice, never more
# than replicas + maxSurge).
set -u
export KUBECONFIG=${KUBECONFIG:-$PWD/bin/cluster/kubeconfig}
FAULTS=${FAULTS:-"nats-1 nats-2 nats-3 gateway-1 gateway-2 scheduler-1 scheduler-2 controller-1 controller-2 endpoints-1 host-2"}
WRITES=${WRITES:-40}
SETTLE=${SETTLE:-20}
DOWN=${DOWN:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

kubectl apply -f examples/hello.yaml >/dev/null && kubectl scale deploy/hello --replicas=6 >/dev/null &&
	kubectl rollout status deploy/hello --timeout=120s >/dev/null || { echo "chaos: the cluster is not ready (make cluster)"; exit 1; }

now() { date +%s.%N; }
lost_total=0 failed=0 image=2
rows=()
for fault in $FAULTS; do
	container=jetplane_${fault}_1
	: > "$work/acked"; : > "$work/errors"
	t0=$(now)
	kubectl set image deploy/hello hello=jetplane/hello:$image >/dev/null
	for i in $(seq "$WRITES"); do
		(kubectl create configmap "chaos-$fault-$RANDOM-$i" --from-literal=i="$i" -o name >>"$work/acked" 2>>"$work/errors") &
	done
	docker kill "$container" >/dev/null
	# A crash and a restart: down for DOWN seconds (a host down for longer
	# stalls a rollout as in Kubernetes, until its pods are evicted).
	sleep "$DOWN"
	docker start "$container" >/dev/null
	kubectl rollout status deploy/hello --timeout=180s >/dev/null; rollout=$?
	wait
	converged=$(echo "$(now) - $t0" | bc)
	acked=$(wc -l <"$work/acked")
	cat "$work/acked" >>"$work/all"
	lost=0
	for name in $(cat "$work/acked"); do kubectl get "$name" -o name >/dev/null 2>&1 || lost=$((lost + 1)); done
	lost_total=$((lost_total + lost))
	[ $rollout -eq 0 ] || failed=$((failed + 1))
	rows+=("$(printf '%-14s %6s/%-3s %5s %10s %10.1f' "$fault" "$acked" "$WRITES" "$lost" "$([ $rollout -eq 0 ] && echo done || echo TIMEOUT)" "$converged")")
	image=$((3 - image))
	sleep "$SETTLE"
done

printf '%-14s %10s %5s %10s %10s\n' "fault (kill -9)" "acked" "lost" "rollout" "converged s"
printf '%s\n' "${rows[@]}"
xargs -r kubectl delete <"$work/all" >/dev/null 2>&1 || true # what the workload made
echo "lost acknowledged writes: $lost_total; rollouts not completed: $failed"
[ "$lost_total" -eq 0 ] && [ "$failed" -eq 0 ]
