package apis

import (
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// leaseColumns is kube-apiserver's layout for Leases: who holds it.
var leaseColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Holder", "string", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"], 0),
	ageColumn,
}

func leaseCells(obj events.Object, now time.Time) ([]interface{}, error) {
	l, ok := obj.(*coordinationv1.Lease)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Lease", errWrongType, obj)
	}
	holder := "<none>"
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return []interface{}{l.Name, holder, age(l, now)}, nil
}
