package apis

import (
	"fmt"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1beta1 "k8s.io/api/rbac/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// roleColumns is kube-apiserver's layout for Roles and ClusterRoles: the
// creation time as a date rather than an age, as its printer shows it.
var roleColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Created At", "date", metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"], 0),
}

func roleCells(obj events.Object, _ time.Time) ([]interface{}, error) {
	switch obj.(type) {
	case *rbacv1.Role, *rbacv1.ClusterRole:
	default:
		return nil, fmt.Errorf("%w: %T is not a Role or ClusterRole", errWrongType, obj)
	}
	return []interface{}{obj.GetName(), obj.GetCreationTimestamp().UTC().Format(time.RFC3339)}, nil
}

// bindingColumns and clusterBindingColumns are the layouts of
// RoleBindings and ClusterRoleBindings; the subjects are wide-only
// columns. The descriptions are kube-apiserver's, which takes them from
// rbac/v1beta1.
var (
	bindingColumns        = bindingColumnsOf("roleBinding", rbacv1beta1.RoleBinding{}.SwaggerDoc()["roleRef"])
	clusterBindingColumns = bindingColumnsOf("clusterRoleBinding", rbacv1beta1.ClusterRoleBinding{}.SwaggerDoc()["roleRef"])
)

func bindingColumnsOf(kind, roleRefDoc string) []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn,
		column("Role", "string", roleRefDoc, 0),
		ageColumn,
		column("Users", "string", "Users in the "+kind, 1),
		column("Groups", "string", "Groups in the "+kind, 1),
		column("ServiceAccounts", "string", "ServiceAccounts in the "+kind, 1),
	}
}

func bindingCells(obj events.Object, now time.Time) ([]interface{}, error) {
	var ref rbacv1.RoleRef
	var subjects []rbacv1.Subject
	switch b := obj.(type) {
	case *rbacv1.RoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	case *rbacv1.ClusterRoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	default:
		return nil, fmt.Errorf("%w: %T is not a RoleBinding or ClusterRoleBinding", errWrongType, obj)
	}
	users, groups, sas := subjectStrings(subjects)
	return []interface{}{
		obj.GetName(), ref.Kind + "/" + ref.Name, age(obj, now),
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", "),
	}, nil
}

// subjectStrings splits subjects by kind as Kubernetes' SubjectsStrings
// does; service accounts show as namespace/name.
func subjectStrings(subjects []rbacv1.Subject) (users, groups, sas []string) {
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			sas = append(sas, s.Namespace+"/"+s.Name)
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		}
	}
	return users, groups, sas
}
