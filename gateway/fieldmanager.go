package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/jetplane/jetplane/customresources"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// fieldManagers track who owns which field (metadata.managedFields) and
// merge server-side apply requests, with apimachinery's field manager —
// the code kube-apiserver runs, on the types of the OpenAPI schemas — so
// that ownership, conflicts and their messages are Kubernetes' own. One
// manager per resource and subresource, made on first use.
type fieldManagers struct {
	once    sync.Once
	types   managedfields.TypeConverter
	scheme  *runtime.Scheme
	initErr error

	mu     sync.Mutex
	byPath map[string]*managedfields.FieldManager // built-in kinds, by resource/subresource
	custom map[string]customFieldManager          // custom kinds, likewise
}

func (f *fieldManagers) init() {
	models, err := apis.OpenAPIModels()
	if err == nil {
		f.types, err = managedfields.NewTypeConverter(models, false)
	}
	f.initErr = err
	f.scheme = runtime.NewScheme()
	for _, r := range events.Resources() {
		f.scheme.AddKnownTypes(r.GVK().GroupVersion(), r.New())
	}
	f.byPath = map[string]*managedfields.FieldManager{}
	f.custom = map[string]customFieldManager{}
}

// of is the field manager of res (subresource "" or "status").
func (f *fieldManagers) of(res events.Resource, subresource string) (*managedfields.FieldManager, error) {
	f.once.Do(f.init)
	if f.initErr != nil {
		return nil, fmt.Errorf("field managers: %w", f.initErr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if res.Custom {
		return f.ofCustom(res, subresource)
	}
	key := res.Name + "/" + subresource
	if m, ok := f.byPath[key]; ok {
		return m, nil
	}
	gv := res.GVK().GroupVersion()
	m, err := managedfields.NewDefaultFieldManager(f.types, runtime.UnsafeObjectConvertor(f.scheme),
		defaulter{res}, f.scheme, res.GVK(), gv, subresource, resetFields(gv.String(), subresource))
	if err != nil {
		return nil, fmt.Errorf("field manager of %s: %w", key, err)
	}
	f.byPath[key] = m
	return m, nil
}

// ofCustom is the field manager of a custom resource, typed by its
// definition's schema; a changed definition (another UID or generation)
// gets a new one, in place of the old. It is built outside f.mu (it takes
// some milliseconds), which the caller holds and this releases meanwhile.
func (f *fieldManagers) ofCustom(res events.Resource, subresource string) (*managedfields.FieldManager, error) {
	d, ok := customresources.Lookup(res.Name)
	if !ok {
		return nil, fmt.Errorf("field manager of %s: no definition", res.Name)
	}
	key := res.Name + "/" + subresource
	version := fmt.Sprintf("%s/%d", d.CRD.UID, d.CRD.Generation)
	if c, ok := f.custom[key]; ok && c.version == version {
		return c.manager, nil
	}
	f.mu.Unlock()
	m, err := newCustomFieldManager(d, res, subresource)
	f.mu.Lock()
	if err != nil {
		return nil, err
	}
	f.custom[key] = customFieldManager{version: version, manager: m}
	return m, nil
}

// customFieldManager is a custom resource's field manager and the version
// of the definition it was made from.
type customFieldManager struct {
	version string
	manager *managedfields.FieldManager
}

func newCustomFieldManager(d *customresources.Definition, res events.Resource, subresource string) (*managedfields.FieldManager, error) {
	models, err := apis.CustomModels(d)
	if err != nil {
		return nil, err
	}
	preserve := d.Version.Schema == nil || d.Version.Schema.OpenAPIV3Schema == nil
	types, err := managedfields.NewTypeConverter(models, preserve)
	if err != nil {
		return nil, fmt.Errorf("field manager of %s: %w", res.Name, err)
	}
	gv := res.GVK().GroupVersion()
	m, err := managedfields.NewDefaultCRDFieldManager(types, unstructuredVersions{}, defaulter{res}, unstructuredCreater{},
		res.GVK(), gv, subresource, resetFields(gv.String(), subresource))
	if err != nil {
		return nil, fmt.Errorf("field manager of %s: %w", res.Name, err)
	}
	return m, nil
}

// unstructuredVersions converts custom objects, served at one version:
// every conversion is to the version they are in.
type unstructuredVersions struct{}

func (unstructuredVersions) Convert(in, out, _ any) error {
	u, ok := in.(*unstructured.Unstructured)
	o, ok2 := out.(*unstructured.Unstructured)
	if !ok || !ok2 {
		return fmt.Errorf("convert %T to %T: custom objects only", in, out)
	}
	o.Object = runtime.DeepCopyJSON(u.Object)
	return nil
}

func (unstructuredVersions) ConvertToVersion(in runtime.Object, _ runtime.GroupVersioner) (runtime.Object, error) {
	return in, nil
}

func (unstructuredVersions) ConvertFieldLabel(_ schema.GroupVersionKind, label, value string) (string, string, error) {
	return label, value, nil
}

// unstructuredCreater makes empty custom objects.
type unstructuredCreater struct{}

func (unstructuredCreater) New(gvk schema.GroupVersionKind) (runtime.Object, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u, nil
}

// resetFields are what a request through one endpoint may not set, so an
// apply there owns none of it: status on the object itself; on /status
// everything but status.
func resetFields(apiVersion, subresource string) map[fieldpath.APIVersion]fieldpath.Filter {
	set := fieldpath.NewSet(fieldpath.MakePathOrDie("status"))
	if subresource == "status" {
		set = fieldpath.NewSet(fieldpath.MakePathOrDie("spec"), fieldpath.MakePathOrDie("metadata"))
	}
	return map[fieldpath.APIVersion]fieldpath.Filter{fieldpath.APIVersion(apiVersion): fieldpath.NewExcludeSetFilter(set)}
}

// defaulter gives an applied object the resource's defaults, as the
// REST core does to every write.
type defaulter struct{ res events.Resource }

func (d defaulter) Default(obj runtime.Object) {
	if o, ok := obj.(events.Object); ok {
		apis.Default(d.res, o)
	}
}

// track records a create or update by the request's manager in next's
// managedFields (old is nil for a create). Tracking never fails a write:
// as in kube-apiserver, the live managedFields are kept if it cannot.
func (s *Server) track(r *http.Request, t target, old, next events.Object) events.Object {
	m, err := s.fields.of(t.res, t.subresource)
	if err != nil {
		s.logger.WithError(err).WithField("key", t.res.Name).Warn("managedFields not tracked")
		return next
	}
	live := old
	if live == nil {
		live = t.res.New()
	}
	t.res.SetTypeMeta(live)
	t.res.SetTypeMeta(next)
	out, ok := m.UpdateNoErrors(live, next, fieldManagerOf(r)).(events.Object)
	if !ok {
		return next
	}
	return out
}

// fieldManagerOf is the request's fieldManager, else the client's name
// from its User-Agent (kube-apiserver's rule: "kubectl/v1.32 (linux)..."
// manages as "kubectl").
func fieldManagerOf(r *http.Request) string {
	if m := r.URL.Query().Get("fieldManager"); m != "" {
		return m
	}
	if ua, _, _ := strings.Cut(r.UserAgent(), "/"); ua != "" {
		return ua
	}
	return "unknown"
}

// validFieldManager checks the fieldManager parameter as kube-apiserver
// does: at most 128 printable characters.
func validFieldManager(r *http.Request) error {
	m := r.URL.Query().Get("fieldManager")
	if len(m) > 128 {
		return apierrors.NewBadRequest(fmt.Sprintf("fieldManager: Too long: may not be more than 128 bytes (%d)", len(m)))
	}
	for _, c := range m {
		if c < ' ' || c > '~' {
			return apierrors.NewBadRequest(fmt.Sprintf("fieldManager: Invalid value: %q: must only contain printable characters", m))
		}
	}
	return nil
}
