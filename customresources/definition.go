package customresources

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jetplane/jetplane/events"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// Definition is a CustomResourceDefinition made ready to serve its storage
// version.
type Definition struct {
	CRD      *apiextensionsv1.CustomResourceDefinition
	Resource events.Resource
	Version  apiextensionsv1.CustomResourceDefinitionVersion

	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
	rules      *cel.Validator // the schema's x-kubernetes-validations, nil if none
}

// internal converts a v1 definition to apiextensions' internal type, which
// its validation and schema packages take.
func internal(crd *apiextensionsv1.CustomResourceDefinition) (*apiextensions.CustomResourceDefinition, error) {
	out := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd.DeepCopy(), out, nil); err != nil {
		return nil, fmt.Errorf("convert %s: %w", crd.Name, err)
	}
	return out, nil
}

// Validate checks a definition (old is nil on create) as kube-apiserver
// does: names, versions, structural schemas, subresources, printer columns.
func Validate(crd, old *apiextensionsv1.CustomResourceDefinition) field.ErrorList {
	in, err := internal(crd)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	if old == nil {
		return validation.ValidateCustomResourceDefinition(context.Background(), in)
	}
	prev, err := internal(old)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	return validation.ValidateCustomResourceDefinitionUpdate(context.Background(), in, prev)
}

// Default fills a definition's defaults and the status kube-apiserver's
// controllers would give it at once: names accepted, established, its
// storage version stored.
func Default(crd *apiextensionsv1.CustomResourceDefinition, now time.Time) {
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(crd)
	crd.Status.AcceptedNames = crd.Spec.Names
	for _, v := range crd.Spec.Versions {
		if v.Storage && !slices.Contains(crd.Status.StoredVersions, v.Name) {
			crd.Status.StoredVersions = append(crd.Status.StoredVersions, v.Name)
		}
	}
	for _, c := range []apiextensionsv1.CustomResourceDefinitionConditionType{apiextensionsv1.NamesAccepted, apiextensionsv1.Established} {
		setCondition(crd, c, now)
	}
}

func setCondition(crd *apiextensionsv1.CustomResourceDefinition, t apiextensionsv1.CustomResourceDefinitionConditionType, now time.Time) {
	reason := map[apiextensionsv1.CustomResourceDefinitionConditionType]string{
		apiextensionsv1.NamesAccepted: "NoConflicts", apiextensionsv1.Established: "InitialNamesAccepted"}[t]
	message := map[apiextensionsv1.CustomResourceDefinitionConditionType]string{
		apiextensionsv1.NamesAccepted: "no conflicts found", apiextensionsv1.Established: "the initial names have been accepted"}[t]
	for _, c := range crd.Status.Conditions {
		if c.Type == t && c.Status == apiextensionsv1.ConditionTrue {
			return
		}
	}
	crd.Status.Conditions = append(crd.Status.Conditions, apiextensionsv1.CustomResourceDefinitionCondition{
		Type: t, Status: apiextensionsv1.ConditionTrue, Reason: reason, Message: message,
		LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))})
}

// Compile makes a valid definition ready to serve.
func Compile(crd *apiextensionsv1.CustomResourceDefinition) (*Definition, error) {
	var version *apiextensionsv1.CustomResourceDefinitionVersion
	for i := range crd.Spec.Versions {
		if crd.Spec.Versions[i].Storage {
			version = &crd.Spec.Versions[i]
		}
	}
	if version == nil {
		return nil, fmt.Errorf("customresourcedefinition %s: no storage version", crd.Name)
	}
	d := &Definition{CRD: crd.DeepCopy(), Version: *version}
	var subresources []string
	if version.Subresources != nil && version.Subresources.Status != nil {
		subresources = append(subresources, "status")
	}
	if version.Subresources != nil && version.Subresources.Scale != nil {
		subresources = append(subresources, "scale")
	}
	n := crd.Spec.Names
	d.Resource = events.CustomResource(crd.Spec.Group, version.Name, n.Plural, n.Singular, n.Kind, n.ListKind,
		crd.Spec.Scope == apiextensionsv1.NamespaceScoped, n.ShortNames, subresources)
	if version.Schema != nil && version.Schema.OpenAPIV3Schema != nil {
		props := &apiextensions.JSONSchemaProps{}
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(version.Schema.OpenAPIV3Schema, props, nil); err != nil {
			return nil, fmt.Errorf("customresourcedefinition %s: schema: %w", crd.Name, err)
		}
		s, err := structuralschema.NewStructural(props)
		if err != nil {
			return nil, fmt.Errorf("customresourcedefinition %s: structural schema: %w", crd.Name, err)
		}
		if d.validator, _, err = apiservervalidation.NewSchemaValidator(props); err != nil {
			return nil, fmt.Errorf("customresourcedefinition %s: validator: %w", crd.Name, err)
		}
		d.structural = s
		d.rules = cel.NewValidator(s, true, celconfig.PerCallLimit)
	}
	return d, nil
}

// Default readies a custom object for storage as kube-apiserver does:
// fields the schema does not know are pruned (unless it preserves them),
// defaults filled.
func (d *Definition) Default(obj *unstructured.Unstructured) {
	if d.structural == nil {
		return
	}
	pruning.Prune(obj.Object, d.structural, true)
	defaulting.Default(obj.Object, d.structural)
}

// Validate checks a custom object (old is nil on create) against its
// schema, metadata included, and its validation rules
// (x-kubernetes-validations, CEL, within kube-apiserver's cost budget).
func (d *Definition) Validate(obj, old *unstructured.Unstructured) field.ErrorList {
	if d.structural == nil {
		return nil
	}
	if err := objectmeta.Coerce(nil, obj.Object, d.structural, true, false); err != nil {
		return field.ErrorList{err}
	}
	errs := apiservervalidation.ValidateCustomResource(nil, obj.Object, d.validator)
	errs = append(errs, objectmeta.Validate(context.Background(), nil, obj.Object, d.structural, true)...)
	if d.rules != nil {
		var prev any
		if old != nil {
			prev = old.Object
		}
		ruleErrs, _ := d.rules.Validate(context.Background(), nil, d.structural, obj.Object, prev, celconfig.RuntimeCELCostBudget)
		errs = append(errs, ruleErrs...)
	}
	return errs
}

// The definitions served now, by resource name (plural.group, which is
// also the definition's own name).
var (
	mu         sync.RWMutex
	byName     = map[string]*Definition{}
	lastSeq    = map[string]uint64{} // by definition name: the newest event Sync or Forget took
	generation atomic.Uint64         // moves on every change
)

// Generation moves whenever the definitions served change: what a cache
// of documents built on them (the OpenAPI) compares.
func Generation() uint64 { return generation.Load() }

// All are the definitions served now, by resource name.
func All() []*Definition {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*Definition, 0, len(byName))
	for _, d := range byName {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource.Name < out[j].Resource.Name })
	return out
}

// Sync serves a definition as of its event at seq: compiled, its resource
// registered. Every projection of a process calls it, each at its own
// pace: an event older than one already taken for that name changes
// nothing, so a lagging or replaying projection never brings back an old
// definition.
func Sync(crd *apiextensionsv1.CustomResourceDefinition, seq uint64) (*Definition, error) {
	mu.Lock()
	defer mu.Unlock()
	if seq <= lastSeq[crd.Name] {
		return byName[crd.Name], nil
	}
	d, err := Compile(crd)
	if err != nil {
		return nil, err
	}
	if err := events.Register(d.Resource); err != nil {
		return nil, err
	}
	byName[d.Resource.Name], lastSeq[crd.Name] = d, seq
	generation.Add(1)
	return d, nil
}

// Forget stops serving the definition named name, deleted at seq (an older
// seq than the newest taken changes nothing, as for Sync).
func Forget(name string, seq uint64) {
	mu.Lock()
	defer mu.Unlock()
	if seq <= lastSeq[name] {
		return
	}
	lastSeq[name] = seq
	if _, ok := byName[name]; ok {
		delete(byName, name)
		events.Unregister(name)
		generation.Add(1)
	}
}

// Lookup is the definition of a custom resource.
func Lookup(resource string) (*Definition, bool) {
	mu.RLock()
	defer mu.RUnlock()
	d, ok := byName[resource]
	return d, ok
}

// UnknownFields are the paths ("spec.stray") of obj's fields its schema
// does not know: what Default prunes, and what strict field validation
// reports.
func (d *Definition) UnknownFields(obj *unstructured.Unstructured) []string {
	if d.structural == nil {
		return nil
	}
	return pruning.PruneWithOptions(obj.DeepCopy().Object, d.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
}
