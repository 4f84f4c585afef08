// Package controller is the shell every Jetplane service shares: a projection
// marks keys dirty in a work queue, workers reconcile one key at a time from
// the latest projection (level-triggered), append the resulting changes with
// CAS, and requeue the key on a conflict or an error, with back-off.
package controller
