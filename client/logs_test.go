package client

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLogQuery(t *testing.T) {
	n, zero := int64(20), int64(0)
	at := metav1.NewTime(time.Date(2026, 5, 1, 10, 0, 0, 0, time.FixedZone("CEST", 7200)))
	tests := []struct {
		opts corev1.PodLogOptions
		want string
	}{
		{corev1.PodLogOptions{}, ""},
		{corev1.PodLogOptions{Container: "hello", Follow: true, TailLines: &n}, "container=hello&follow=true&tailLines=20"},
		{corev1.PodLogOptions{Previous: true, Timestamps: true, TailLines: &zero, LimitBytes: &n},
			"limitBytes=20&previous=true&tailLines=0&timestamps=true"},
		{corev1.PodLogOptions{SinceSeconds: &n}, "sinceSeconds=20"},
		{corev1.PodLogOptions{SinceTime: &at}, "sinceTime=2026-05-01T08%3A00%3A00Z"},
	}
	for _, tc := range tests {
		if got := logQuery(tc.opts).Encode(); got != tc.want {
			t.Errorf("query %q, want %q", got, tc.want)
		}
	}
}
