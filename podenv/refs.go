package podenv

import corev1 "k8s.io/api/core/v1"

// SecretsReferenced are the names of the Secrets pod uses (env, envFrom,
// volumes, projected volumes, image pull secrets): those its node may
// read, as Kubernetes' node authorizer allows.
func SecretsReferenced(pod *corev1.Pod) map[string]bool {
	out := map[string]bool{}
	for _, r := range pod.Spec.ImagePullSecrets {
		out[r.Name] = true
	}
	containers := append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range containers {
		for _, f := range c.EnvFrom {
			if f.SecretRef != nil {
				out[f.SecretRef.Name] = true
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				out[e.ValueFrom.SecretKeyRef.Name] = true
			}
		}
	}
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil {
			out[v.Secret.SecretName] = true
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.Secret != nil {
					out[s.Secret.Name] = true
				}
			}
		}
	}
	return out
}
