package podsecurity

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The restricted checks: current pod hardening best practice, at the cost
// of some compatibility.

func allowPrivilegeEscalation(_ *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	if windows(spec, minor) {
		return nil
	}
	var bad []string
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
			bad = append(bad, c.Name)
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{"allowPrivilegeEscalation != false", containersPhrase(bad) + " must set securityContext.allowPrivilegeEscalation=false"}
}

func capabilitiesRestricted(_ *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	if windows(spec, minor) {
		return nil
	}
	var noDrop, adding []string
	caps := sortedSet{}
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
			noDrop = append(noDrop, c.Name)
			return
		}
		dropped := false
		for _, d := range c.SecurityContext.Capabilities.Drop {
			dropped = dropped || d == "ALL"
		}
		if !dropped {
			noDrop = append(noDrop, c.Name)
		}
		added := false
		for _, a := range c.SecurityContext.Capabilities.Add {
			if a != "NET_BIND_SERVICE" {
				added, caps[string(a)] = true, true
			}
		}
		if added {
			adding = append(adding, c.Name)
		}
	})
	var details []string
	if len(noDrop) > 0 {
		details = append(details, containersPhrase(noDrop)+` must set securityContext.capabilities.drop=["ALL"]`)
	}
	if len(adding) > 0 {
		details = append(details, fmt.Sprintf("%s must not include %s in securityContext.capabilities.add", containersPhrase(adding), joinQuote(caps.list())))
	}
	if len(details) == 0 {
		return nil
	}
	return &Violation{"unrestricted capabilities", strings.Join(details, "; ")}
}

// restrictedVolumes allows only the volume types that expose nothing of
// the node: configMap, csi, downwardAPI, emptyDir, ephemeral, image,
// persistentVolumeClaim, projected, secret.
func restrictedVolumes(_ *metav1.ObjectMeta, spec *corev1.PodSpec, _ int) *Violation {
	var bad []string
	types := sortedSet{}
	for _, v := range spec.Volumes {
		s := v.VolumeSource
		if s.ConfigMap != nil || s.CSI != nil || s.DownwardAPI != nil || s.EmptyDir != nil || s.Ephemeral != nil ||
			s.Image != nil || s.PersistentVolumeClaim != nil || s.Projected != nil || s.Secret != nil {
			continue
		}
		bad = append(bad, v.Name)
		types[volumeType(s)] = true
	}
	if len(bad) == 0 {
		return nil
	}
	return &Violation{"restricted volume types", fmt.Sprintf("%s %s %s %s %s", plural("volume", "volumes", len(bad)), joinQuote(bad),
		plural("uses", "use", len(bad)), plural("restricted volume type", "restricted volume types", len(types)), joinQuote(types.list()))}
}

// volumeType names a volume source restricted refuses.
func volumeType(s corev1.VolumeSource) string {
	named := []struct {
		set  bool
		name string
	}{
		{s.HostPath != nil, "hostPath"}, {s.GCEPersistentDisk != nil, "gcePersistentDisk"},
		{s.AWSElasticBlockStore != nil, "awsElasticBlockStore"}, {s.GitRepo != nil, "gitRepo"},
		{s.NFS != nil, "nfs"}, {s.ISCSI != nil, "iscsi"}, {s.Glusterfs != nil, "glusterfs"},
		{s.RBD != nil, "rbd"}, {s.FlexVolume != nil, "flexVolume"}, {s.Cinder != nil, "cinder"},
		{s.CephFS != nil, "cephfs"}, {s.Flocker != nil, "flocker"}, {s.FC != nil, "fc"},
		{s.AzureFile != nil, "azureFile"}, {s.VsphereVolume != nil, "vsphereVolume"},
		{s.Quobyte != nil, "quobyte"}, {s.AzureDisk != nil, "azureDisk"},
		{s.PhotonPersistentDisk != nil, "photonPersistentDisk"}, {s.PortworxVolume != nil, "portworxVolume"},
		{s.ScaleIO != nil, "scaleIO"}, {s.StorageOS != nil, "storageos"},
	}
	for _, n := range named {
		if n.set {
			return n.name
		}
	}
	return "unknown"
}

func runAsNonRoot(_ *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	if userNamespaced(spec, minor) {
		return nil
	}
	pod, podSet := false, false
	if sc := spec.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
		pod, podSet = !*sc.RunAsNonRoot, *sc.RunAsNonRoot
	}
	var bad, unset []string
	visitContainers(spec, func(c *corev1.Container) {
		switch {
		case c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil:
			if !*c.SecurityContext.RunAsNonRoot {
				bad = append(bad, c.Name)
			}
		case !podSet:
			unset = append(unset, c.Name)
		}
	})
	if pod || len(bad) > 0 {
		return &Violation{"runAsNonRoot != true", setters(pod, bad) + " must not set securityContext.runAsNonRoot=false"}
	}
	if len(unset) > 0 {
		return &Violation{"runAsNonRoot != true", "pod or " + containersPhrase(unset) + " must set securityContext.runAsNonRoot=true"}
	}
	return nil
}

func runAsUser(_ *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	if userNamespaced(spec, minor) {
		return nil
	}
	pod := spec.SecurityContext != nil && spec.SecurityContext.RunAsUser != nil && *spec.SecurityContext.RunAsUser == 0
	var bad []string
	visitContainers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil && *c.SecurityContext.RunAsUser == 0 {
			bad = append(bad, c.Name)
		}
	})
	if !pod && len(bad) == 0 {
		return nil
	}
	return &Violation{"runAsUser=0", setters(pod, bad) + " must not set runAsUser=0"}
}

// seccompRestricted requires RuntimeDefault or Localhost, on the pod or on
// every container.
func seccompRestricted(_ *metav1.ObjectMeta, spec *corev1.PodSpec, minor int) *Violation {
	if windows(spec, minor) {
		return nil
	}
	v, unset := seccompViolations(spec)
	if v != nil {
		return v
	}
	if len(unset) > 0 {
		return &Violation{"seccompProfile", "pod or " + containersPhrase(unset) + ` must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`}
	}
	return nil
}
