// Package nodes holds what several decisions derive from a Node alike: the
// taint its Ready condition implies (TaintNodesByCondition), read by the
// scheduler's placement and the DaemonSet decision. Pure.
package nodes
