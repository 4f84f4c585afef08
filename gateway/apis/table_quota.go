package apis

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var resourceQuotaColumns = []metav1.TableColumnDefinition{
	nameColumn,
	ageColumn,
	column("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume.", 0),
	column("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", 0),
}

// resourceQuotaCells are kubectl's "pods: 1/10, requests.cpu: 0/1" from
// status.hard and status.used; limits.* names go to LIMIT.
func resourceQuotaCells(obj events.Object, now time.Time) ([]interface{}, error) {
	q, ok := obj.(*corev1.ResourceQuota)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a ResourceQuota", errWrongType, obj)
	}
	names := make([]string, 0, len(q.Status.Hard))
	for name := range q.Status.Hard {
		names = append(names, string(name))
	}
	sort.Strings(names)
	var request, limit []string
	for _, name := range names {
		used, hard := q.Status.Used[corev1.ResourceName(name)], q.Status.Hard[corev1.ResourceName(name)]
		cell := fmt.Sprintf("%s: %s/%s", name, used.String(), hard.String())
		if strings.HasPrefix(name, "limits.") {
			limit = append(limit, cell)
		} else {
			request = append(request, cell)
		}
	}
	return []interface{}{q.Name, age(q, now), strings.Join(request, ", "), strings.Join(limit, ", ")}, nil
}

var limitRangeColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
}

func limitRangeCells(obj events.Object, _ time.Time) ([]interface{}, error) {
	lr, ok := obj.(*corev1.LimitRange)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a LimitRange", errWrongType, obj)
	}
	return []interface{}{lr.Name, lr.CreationTimestamp.UTC().Format(time.RFC3339)}, nil
}
