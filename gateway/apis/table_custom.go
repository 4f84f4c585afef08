package apis

import (
	"bytes"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/customresources"
	"github.com/jetplane/jetplane/events"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/jsonpath"
)

// customPrinter is a custom kind's layout, as kube-apiserver prints a CRD:
// NAME, then its additionalPrinterColumns (each a JSONPath into the
// object), or AGE when it declares none.
func customPrinter(res events.Resource) (printer, bool) {
	d, ok := customresources.Lookup(res.Name)
	if !ok {
		return printer{}, false
	}
	defs := d.Version.AdditionalPrinterColumns
	if len(defs) == 0 {
		return genericPrinter, true
	}
	columns := []metav1.TableColumnDefinition{nameColumn}
	paths := make([]*jsonpath.JSONPath, len(defs))
	for i, c := range defs {
		columns = append(columns, metav1.TableColumnDefinition{Name: c.Name, Type: c.Type, Format: c.Format,
			Description: c.Description, Priority: c.Priority})
		p := jsonpath.New(c.Name).AllowMissingKeys(true)
		if err := p.Parse(fmt.Sprintf("{%s}", c.JSONPath)); err == nil {
			paths[i] = p
		}
	}
	return printer{columns: columns, cells: func(obj events.Object, _ time.Time) ([]interface{}, error) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return nil, fmt.Errorf("%w: %T is not a custom object", errWrongType, obj)
		}
		cells := []interface{}{u.GetName()}
		for _, p := range paths {
			cells = append(cells, customCell(p, u.Object))
		}
		return cells, nil
	}}, true
}

// customCell is one column's value: the first the path finds, nil for none.
func customCell(p *jsonpath.JSONPath, obj map[string]any) interface{} {
	if p == nil {
		return nil
	}
	results, err := p.FindResults(obj)
	if err != nil || len(results) == 0 || len(results[0]) == 0 {
		return nil
	}
	v := results[0][0].Interface()
	switch v.(type) {
	case string, bool, int64, float64, int32, int:
		return v
	}
	var buf bytes.Buffer
	if err := p.PrintResults(&buf, results[0]); err != nil {
		return nil
	}
	return buf.String()
}
