package replicacontroller

import (
	"errors"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Every namespace gets a default ServiceAccount, again when it is deleted,
// and a namespace being deleted gets none.
func TestDefaultServiceAccount(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.create("namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev"}})
	defaultSA := func() (*corev1.ServiceAccount, error) {
		if err := h.catchUp(); err != nil {
			return nil, err
		}
		e := h.view.State().Live("serviceaccounts", "dev", "default")
		if e == nil {
			return nil, errors.New("no default serviceaccount in dev")
		}
		return e.Object.(*corev1.ServiceAccount), nil
	}
	var first *corev1.ServiceAccount
	eventstest.Eventually(t, wait, func() (err error) { first, err = defaultSA(); return err })

	e := h.view.State().Live("serviceaccounts", "dev", "default")
	if err := h.write(events.Write{Resource: events.MustLookup("serviceaccounts"), Change: events.Deleted, Object: e.Object, Expected: e.Seq}); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, wait, func() error {
		sa, err := defaultSA()
		if err == nil && sa.UID == first.UID {
			return errors.New("the deleted default serviceaccount is still there")
		}
		return err
	})

	// A deleted namespace loses its ServiceAccounts (the garbage
	// collector), for good.
	ns := h.view.State().Live("namespaces", "", "dev")
	if err := h.write(events.Write{Resource: events.MustLookup("namespaces"), Change: events.Deleted, Object: ns.Object, Expected: ns.Seq}); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, wait, func() error {
		if _, err := defaultSA(); err == nil {
			return errors.New("default serviceaccount still in a deleted namespace")
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
	if _, err := defaultSA(); err == nil {
		t.Fatal("default serviceaccount re-created in a deleted namespace")
	}
}
