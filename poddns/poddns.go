package poddns

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Limits of a resolv.conf the kubelet enforces (validation refuses more in
// dnsConfig; the merge with the cluster's keeps within them).
const (
	MaxNameservers = 3
	MaxSearches    = 32
)

// Config is a pod's resolver configuration.
type Config struct {
	// Host: use the node's own resolv.conf (dnsPolicy Default), and
	// nothing below.
	Host        bool
	Nameservers []string
	Searches    []string
	Options     []string // "ndots:5", "edns0"...
}

// Cluster is what the node knows of the cluster's DNS (the kubelet's
// --cluster-dns and --cluster-domain); no Servers: there is none.
type Cluster struct {
	Servers []string
	Domain  string
	// HostSearches are the node's own search domains (its resolv.conf),
	// which the kubelet appends after the cluster's.
	HostSearches []string
}

// For decides pod's resolver.
func For(pod *corev1.Pod, cluster Cluster) Config {
	policy := pod.Spec.DNSPolicy
	if policy == "" {
		policy = corev1.DNSClusterFirst
	}
	if policy == corev1.DNSClusterFirst && pod.Spec.HostNetwork {
		policy = corev1.DNSDefault // a host-network pod keeps the node's resolver unless ...WithHostNet
	}
	if (policy == corev1.DNSClusterFirst || policy == corev1.DNSClusterFirstWithHostNet) && len(cluster.Servers) == 0 {
		policy = corev1.DNSDefault // no cluster DNS: the kubelet falls back to the node's
	}
	var c Config
	switch policy {
	case corev1.DNSNone:
	case corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet:
		domain := strings.TrimSuffix(cluster.Domain, ".")
		if domain == "" {
			domain = "cluster.local"
		}
		c.Nameservers = append(c.Nameservers, cluster.Servers...)
		c.Searches = appendNew([]string{pod.Namespace + ".svc." + domain, "svc." + domain, domain}, cluster.HostSearches...)
		c.Options = []string{"ndots:5"}
	default:
		if pod.Spec.DNSConfig == nil {
			return Config{Host: true}
		}
		// Default with dnsConfig: Docker cannot merge into the node's file,
		// so the pod gets what dnsConfig says (documented in the note).
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		c.Nameservers = appendNew(c.Nameservers, dc.Nameservers...)
		c.Searches = appendNew(c.Searches, dc.Searches...)
		for _, o := range dc.Options {
			c.Options = withOption(c.Options, o)
		}
	}
	if len(c.Nameservers) > MaxNameservers {
		c.Nameservers = c.Nameservers[:MaxNameservers]
	}
	if len(c.Searches) > MaxSearches {
		c.Searches = c.Searches[:MaxSearches]
	}
	return c
}

func appendNew(list []string, add ...string) []string {
	for _, a := range add {
		dup := false
		for _, l := range list {
			dup = dup || l == a
		}
		if !dup && a != "" {
			list = append(list, a)
		}
	}
	return list
}

// withOption sets an option, replacing one of the same name (dnsConfig's
// win over the cluster's, as the kubelet merges them).
func withOption(opts []string, o corev1.PodDNSConfigOption) []string {
	text := o.Name
	if o.Value != nil {
		text += ":" + *o.Value
	}
	for i, cur := range opts {
		if name, _, _ := strings.Cut(cur, ":"); name == o.Name {
			opts[i] = text
			return opts
		}
	}
	return append(opts, text)
}
