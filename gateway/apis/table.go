package apis

import (
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Placeholders kubectl shows for missing values.
const (
	none    = "<none>"
	unknown = "<unknown>"
	pending = "<pending>"
)

// printer is the Table layout of one resource: its columns and the cells
// of one object's row, in column order.
type printer struct {
	columns []metav1.TableColumnDefinition
	cells   func(obj events.Object, now time.Time) ([]interface{}, error)
}

// printers maps resource names to the layout kube-apiserver serves for them.
var printers = map[string]printer{
	"pods":            {podColumns, podCells},
	"deployments":     {deploymentColumns, deploymentCells},
	"replicasets":     {replicaSetColumns, replicaSetCells},
	"services":        {serviceColumns, serviceCells},
	"endpoints":       {endpointsColumns, endpointsCells},
	"nodes":           {nodeColumns, nodeCells},
	"namespaces":      {namespaceColumns, namespaceCells},
	"events":          {eventColumns, eventCells},
	"endpointslices":  {endpointSliceColumns, endpointSliceCells},
	"ingresses":       {ingressColumns, ingressCells},
	"serviceaccounts": {serviceAccountColumns, serviceAccountCells},
	"resourcequotas":  {resourceQuotaColumns, resourceQuotaCells},
	"limitranges":     {limitRangeColumns, limitRangeCells},
	"configmaps":      {configMapColumns, configMapCells},
	"secrets":         {secretColumns, secretCells},

	"statefulsets":           {statefulSetColumns, statefulSetCells},
	"controllerrevisions":    {controllerRevisionColumns, controllerRevisionCells},
	"persistentvolumeclaims": {claimColumns, claimCells},
	"persistentvolumes":      {volumeColumns, volumeCells},
	"storageclasses":         {storageClassColumns, storageClassCells},

	"roles":               {roleColumns, roleCells},
	"clusterroles":        {roleColumns, roleCells},
	"rolebindings":        {bindingColumns, bindingCells},
	"clusterrolebindings": {clusterBindingColumns, bindingCells},

	"leases": {leaseColumns, leaseCells},
}

// genericPrinter serves kinds without their own layout: NAME and AGE.
var genericPrinter = printer{
	columns: []metav1.TableColumnDefinition{nameColumn, ageColumn},
	cells: func(obj events.Object, now time.Time) ([]interface{}, error) {
		return []interface{}{obj.GetName(), age(obj, now)}, nil
	},
}

var (
	nameColumn = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name",
		Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]}
	ageColumn = metav1.TableColumnDefinition{Name: "Age", Type: "string",
		Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
)

// column builds a column definition; wide-only columns have priority 1.
func column(name, typ, description string, priority int32) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description, Priority: priority}
}

// Table renders objs as the meta.k8s.io/v1 Table kube-apiserver serves to
// `kubectl get`. include chooses what each row carries besides its cells:
// the whole object, its metadata (kubectl's default), or nothing.
func Table(res events.Resource, objs []events.Object, include metav1.IncludeObjectPolicy, now time.Time) (*metav1.Table, error) {
	p, ok := printers[res.Name]
	if !ok {
		if p, ok = customPrinter(res); !ok {
			p = genericPrinter
		}
	}
	t := &metav1.Table{
		TypeMeta:          metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "Table"},
		ColumnDefinitions: append([]metav1.TableColumnDefinition(nil), p.columns...),
		Rows:              make([]metav1.TableRow, 0, len(objs)),
	}
	for _, obj := range objs {
		cells, err := p.cells(obj, now)
		if err != nil {
			return nil, fmt.Errorf("print %s %s/%s: %w", res.Name, obj.GetNamespace(), obj.GetName(), err)
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: cells, Conditions: rowConditions(obj),
			Object: rowObject(res, obj, include)})
	}
	return t, nil
}

// rowObject is what a row carries besides its cells.
func rowObject(res events.Resource, obj events.Object, include metav1.IncludeObjectPolicy) runtime.RawExtension {
	switch include {
	case metav1.IncludeNone:
		return runtime.RawExtension{}
	case metav1.IncludeObject:
		if obj.GetObjectKind().GroupVersionKind().Kind == "" {
			c := obj.DeepCopyObject()
			res.SetTypeMeta(c)
			return runtime.RawExtension{Object: c}
		}
		return runtime.RawExtension{Object: obj}
	}
	m := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}}
	if meta := objectMetaOf(obj); meta != nil {
		m.ObjectMeta = *meta.DeepCopy()
	} else {
		m.Name, m.Namespace, m.UID = obj.GetName(), obj.GetNamespace(), obj.GetUID()
		m.Labels, m.Annotations = obj.GetLabels(), obj.GetAnnotations()
		m.CreationTimestamp, m.ResourceVersion = obj.GetCreationTimestamp(), obj.GetResourceVersion()
	}
	return runtime.RawExtension{Object: m}
}

func objectMetaOf(obj events.Object) *metav1.ObjectMeta {
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if m, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok {
			return m
		}
	}
	return nil
}

// age is the AGE cell: how long ago the object was created.
func age(obj events.Object, now time.Time) string {
	return since(obj.GetCreationTimestamp(), now)
}

func since(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return unknown
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// orNone shows kubectl's <none> for an empty value.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}
