package gateway

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// client-go as controllers use it, in protobuf and in JSON: paginated lists
// (limit/continue, one consistent revision however the log moves between
// pages), a streaming list (sendInitialEvents) ending in its bookmark, and
// an informer (client-go lists that way by default) that syncs and sees
// what follows.
func TestClientGoListsWatchesAndInformers(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	for i := range 25 {
		g.must(http.StatusCreated, "POST", podsPath("default"), pod(fmt.Sprintf("p-%02d", i), map[string]string{"app": "inf"}, ""))
	}
	for _, contentType := range []string{"application/vnd.kubernetes.protobuf", "application/json"} {
		t.Run(contentType, func(t *testing.T) {
			cs, err := kubernetes.NewForConfig(&rest.Config{Host: g.http.URL, BearerToken: adminToken, ContentConfig: rest.ContentConfig{ContentType: contentType}})
			if err != nil {
				t.Fatal(err)
			}
			pods := cs.CoreV1().Pods("default")
			whole, err := pods.List(t.Context(), metav1.ListOptions{LabelSelector: "app=inf"})
			if err != nil || whole.Continue != "" {
				t.Fatalf("an unpaginated list: %v (continue %q)", err, whole.Continue)
			}
			total := len(whole.Items)
			seen, pages, cont, rv := map[string]bool{}, 0, "", ""
			for {
				l, err := pods.List(t.Context(), metav1.ListOptions{Limit: 10, Continue: cont, LabelSelector: "app=inf"})
				if err != nil {
					t.Fatal(err)
				}
				if pages == 0 {
					rv = l.ResourceVersion
					if l.RemainingItemCount == nil || *l.RemainingItemCount != int64(total-10) {
						t.Fatalf("first page: remainingItemCount %v", l.RemainingItemCount)
					}
					// A write between pages does not show in the later ones.
					g.must(http.StatusCreated, "POST", podsPath("default"), pod("p-00a-"+contentType[12:15], map[string]string{"app": "inf"}, ""))
				}
				if l.ResourceVersion != rv {
					t.Fatalf("page %d at %s, the first at %s", pages, l.ResourceVersion, rv)
				}
				for _, p := range l.Items {
					seen[p.Name] = true
				}
				pages++
				if cont = l.Continue; cont == "" {
					break
				}
			}
			if len(seen) != total || pages != (total+9)/10 {
				t.Fatalf("%d pods in %d pages, want the %d of the first page's revision", len(seen), pages, total)
			}
			if _, err := pods.List(t.Context(), metav1.ListOptions{Continue: "bogus"}); !apierrors.IsBadRequest(err) {
				t.Fatalf("a bad continue token: %v", err)
			}
			// A well-formed token of a revision the log never reached waits for nothing.
			ahead := base64.RawURLEncoding.EncodeToString([]byte(`{"v":"meta.k8s.io/v1","rv":1000000000,"start":"default/p-05\u0000"}`))
			if _, err := pods.List(t.Context(), metav1.ListOptions{Continue: ahead}); !apierrors.IsBadRequest(err) {
				t.Fatalf("a token ahead of the log: %v", err)
			}

			yes := true
			w, err := pods.Watch(t.Context(), metav1.ListOptions{SendInitialEvents: &yes, AllowWatchBookmarks: true,
				ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, LabelSelector: "app=inf"})
			if err != nil {
				t.Fatal(err)
			}
			added := 0
			for ev := range w.ResultChan() {
				if ev.Type == watch.Added {
					added++
					continue
				}
				if p, ok := ev.Object.(*corev1.Pod); ev.Type != watch.Bookmark || !ok || p.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
					t.Fatalf("after %d added: %s %+v", added, ev.Type, ev.Object)
				}
				break
			}
			w.Stop()
			if added != total+1 {
				t.Fatalf("the streaming list sent %d pods before its bookmark", added)
			}

			factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace("default"))
			inf := factory.Core().V1().Pods()
			got := make(chan string, 10)
			if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(o any) {
				if p := o.(*corev1.Pod); p.Name == "late-"+contentType[12:15] {
					got <- p.Name
				}
			}}); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			factory.Start(stop)
			defer func() { close(stop); factory.Shutdown() }()
			for typ, ok := range factory.WaitForCacheSync(stop) {
				if !ok {
					t.Fatalf("%v did not sync", typ)
				}
			}
			eventstest.Eventually(t, 10*time.Second, func() error {
				if l, _ := inf.Lister().List(labels.SelectorFromSet(labels.Set{"app": "inf"})); len(l) != total+1 {
					return fmt.Errorf("lister holds %d", len(l))
				}
				return nil
			})
			g.must(http.StatusCreated, "POST", podsPath("default"), pod("late-"+contentType[12:15], nil, ""))
			select {
			case <-got:
			case <-time.After(10 * time.Second):
				t.Fatal("the informer missed a pod made after it synced")
			}
		})
	}
}
