// Package cronjob is the pure CronJob decision, as Kubernetes' CronJob
// controller makes it: at each time of the schedule (five fields or a
// descriptor such as @hourly, in spec.timeZone or else the controller's own
// zone) it creates the Job "<cronjob>-<scheduled minutes since the epoch>"
// from the job template, unless that run was missed by more than
// startingDeadlineSeconds, the CronJob is suspended, or concurrencyPolicy
// Forbid finds a Job still running (Replace deletes the running ones
// first). Of the finished Jobs it keeps successfulJobsHistoryLimit and
// failedJobsHistoryLimit, deleting the oldest. Status: active,
// lastScheduleTime, lastSuccessfulTime. The decision says when to look
// again: at the next time of the schedule, by the injected clock. Jobs are
// created as the API server would store them (gateway/apis defaulting,
// with their selector generated from the UID the decision gives them).
package cronjob
