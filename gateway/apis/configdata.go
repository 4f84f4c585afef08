package apis

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/secretenvelope"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ConfigMaps and Secrets, validated as kube-apiserver validates them: key
// names, the 1 MiB bound, each Secret type's required keys, immutability.

// maxConfigDataSize bounds a ConfigMap's data and binaryData together, and
// a Secret's data (corev1.MaxSecretSize).
const maxConfigDataSize = corev1.MaxSecretSize

// defaultSecret is kube-apiserver's: type Opaque, and stringData written
// over data, then dropped (it is write-only).
func defaultSecret(s *corev1.Secret) {
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

func validateConfigMap(cm, old *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range cm.Data {
		errs = append(errs, validateConfigKey(k, field.NewPath("data").Key(k))...)
		if _, dup := cm.BinaryData[k]; dup {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, "duplicate of key present in binaryData"))
		}
		size += len(v)
	}
	for k, v := range cm.BinaryData {
		errs = append(errs, validateConfigKey(k, field.NewPath("binaryData").Key(k))...)
		size += len(v)
	}
	if size > maxConfigDataSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxConfigDataSize))
	}
	if old != nil && old.Immutable != nil && *old.Immutable {
		if !reflect.DeepEqual(cm.Immutable, old.Immutable) {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
		}
		if !reflect.DeepEqual(cm.Data, old.Data) {
			errs = append(errs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
		}
		if !reflect.DeepEqual(cm.BinaryData, old.BinaryData) {
			errs = append(errs, field.Forbidden(field.NewPath("binaryData"), "field is immutable when `immutable` is set"))
		}
	}
	return errs
}

func validateConfigKey(k string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(k) {
		errs = append(errs, field.Invalid(path, k, msg))
	}
	return errs
}

// secretRequiredKeys are the keys each Secret type must hold.
var secretRequiredKeys = map[corev1.SecretType][]string{
	corev1.SecretTypeDockercfg:        {corev1.DockerConfigKey},
	corev1.SecretTypeDockerConfigJson: {corev1.DockerConfigJsonKey},
	corev1.SecretTypeSSHAuth:          {corev1.SSHAuthPrivateKey},
	corev1.SecretTypeTLS:              {corev1.TLSCertKey, corev1.TLSPrivateKeyKey},
}

func validateSecret(s, old *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	data := field.NewPath("data")
	size := 0
	for k, v := range s.Data {
		errs = append(errs, validateConfigKey(k, data.Key(k))...)
		size += len(v)
	}
	if size > maxConfigDataSize {
		errs = append(errs, field.TooLong(data, "", maxConfigDataSize))
	}
	for _, a := range []string{secretenvelope.SealedAnnotation, secretenvelope.StateAnnotation} {
		if _, ok := s.Annotations[a]; ok {
			errs = append(errs, field.Forbidden(field.NewPath("metadata", "annotations").Key(a), "reserved for Jetplane's sealing of Secrets"))
		}
	}
	for _, k := range secretRequiredKeys[s.Type] {
		if _, ok := s.Data[k]; !ok {
			errs = append(errs, field.Required(data.Key(k), ""))
		}
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg, corev1.SecretTypeDockerConfigJson:
		key := corev1.DockerConfigKey
		if s.Type == corev1.SecretTypeDockerConfigJson {
			key = corev1.DockerConfigJsonKey
		}
		if v, ok := s.Data[key]; ok && !json.Valid(v) {
			errs = append(errs, field.Invalid(data.Key(key), "<secret contents redacted>", "invalid JSON"))
		}
	case corev1.SecretTypeBasicAuth:
		_, user := s.Data[corev1.BasicAuthUsernameKey]
		_, pass := s.Data[corev1.BasicAuthPasswordKey]
		if !user && !pass {
			errs = append(errs, field.Required(data.Key(corev1.BasicAuthUsernameKey), ""),
				field.Required(data.Key(corev1.BasicAuthPasswordKey), ""))
		}
	}
	if old == nil {
		return errs
	}
	if s.Type != old.Type {
		errs = append(errs, field.Invalid(field.NewPath("type"), s.Type, "field is immutable"))
	}
	if old.Immutable != nil && *old.Immutable {
		if !reflect.DeepEqual(s.Immutable, old.Immutable) {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
		}
		if !reflect.DeepEqual(s.Data, old.Data) {
			errs = append(errs, field.Forbidden(data, "field is immutable when `immutable` is set"))
		}
	}
	return errs
}

// configMapColumns and secretColumns are kubectl get's for the two kinds.
var (
	configMapColumns = []metav1.TableColumnDefinition{nameColumn,
		column("Data", "integer", corev1.ConfigMap{}.SwaggerDoc()["data"], 0), ageColumn}
	secretColumns = []metav1.TableColumnDefinition{nameColumn,
		column("Type", "string", corev1.Secret{}.SwaggerDoc()["type"], 0),
		column("Data", "integer", corev1.Secret{}.SwaggerDoc()["data"], 0), ageColumn}
)

func configMapCells(obj events.Object, now time.Time) ([]interface{}, error) {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a ConfigMap", errWrongType, obj)
	}
	return []interface{}{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), age(obj, now)}, nil
}

func secretCells(obj events.Object, now time.Time) ([]interface{}, error) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Secret", errWrongType, obj)
	}
	n := len(s.Data)
	if n == 0 {
		n = len(s.StringData) // a sealed Secret (the past) lists its keys there
	}
	return []interface{}{s.Name, string(s.Type), int64(n), age(obj, now)}, nil
}
