// Package podsecurity is Kubernetes' Pod Security Standards as the
// PodSecurity admission plugin evaluates them: the namespace labels
// pod-security.kubernetes.io/enforce|audit|warn (and their -version) pick a
// level (privileged, baseline, restricted) at a version (latest or v1.x)
// per mode, and a pod spec is checked against the baseline and restricted
// checks that version defines, each violation worded as kube-apiserver
// words it (`violates PodSecurity "baseline:latest": privileged (container
// "c" must not set securityContext.privileged=true)`).
//
// The checks and their messages follow k8s.io/pod-security-admission's
// policy package (written anew here, not linked: it brings the apiserver's
// admission machinery). The gateway's admitter (gateway/admit_podsecurity.go)
// decides what to do with the verdict. Pure: labels and specs in,
// violations out.
package podsecurity
