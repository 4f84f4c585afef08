// Package controllerrevisions derives the ControllerRevisions of
// StatefulSets and DaemonSets from their history in the log, instead of
// storing them as Kubernetes' controllers do: each distinct pod template a
// workload had is a revision, numbered in the order it was last taken up
// (a rollback to an earlier template makes it the newest revision, as in
// Kubernetes), named <workload>-<template hash> like the pods'
// controller-revision-hash, with the data kubectl rollout undo applies.
// Pure: the caller replays the log.
package controllerrevisions
