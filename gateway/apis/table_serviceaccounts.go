package apis

import (
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serviceAccountColumns are kube-apiserver's: the SECRETS column counts the
// secrets the ServiceAccount lists (none since tokens are requested, not
// stored, as in Kubernetes 1.24+).
var serviceAccountColumns = []metav1.TableColumnDefinition{nameColumn,
	column("Secrets", "integer", corev1.ServiceAccount{}.SwaggerDoc()["secrets"], 0), ageColumn}

func serviceAccountCells(obj events.Object, now time.Time) ([]interface{}, error) {
	sa, ok := obj.(*corev1.ServiceAccount)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a ServiceAccount", errWrongType, obj)
	}
	return []interface{}{sa.Name, int64(len(sa.Secrets)), age(obj, now)}, nil
}
