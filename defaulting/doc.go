// Package defaulting holds the Kubernetes defaults that more than the API
// server applies: a pod spec's (pods and every workload's pod template) and
// a Job's, with its generated selector. gateway/apis defaults what it
// admits with them; the CronJob decision defaults the Jobs it makes. Pure:
// objects in, filled in place.
package defaulting
