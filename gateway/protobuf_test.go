package gateway

import (
	"bytes"
	"net/http"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Typed clients (kubectl create job) send protobuf; it is stored as JSON.
func TestCreateFromProtobuf(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	j := &batchv1.Job{TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}, ObjectMeta: metav1.ObjectMeta{Name: "pb"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}}}
	var body bytes.Buffer
	if err := protobufSerializer.Encode(j, &body); err != nil {
		t.Fatal(err)
	}
	const jobs = "/apis/batch/v1/namespaces/default/jobs"
	var got batchv1.Job
	g.must(http.StatusCreated, "POST", jobs, body.Bytes(), "Content-Type", protobufMediaType).into(t, &got)
	if got.Name != "pb" || got.Spec.Template.Spec.Containers[0].Image != "jetplane/hello:1" || got.Spec.Selector == nil {
		t.Fatalf("created %+v", got)
	}
	g.must(http.StatusBadRequest, "POST", jobs, []byte("k8s\x00garbage"), "Content-Type", protobufMediaType).status(t)
}
