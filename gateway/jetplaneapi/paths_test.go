package jetplaneapi

import "testing"

func TestPaths(t *testing.T) {
	for got, want := range map[string]string{
		HistoryObjectPath("deployments", "default", "web"): "/apis/jetplane.dev/v1/history/deployments/default/web",
		HistoryObjectPath("nodes", "", "n 1"):              "/apis/jetplane.dev/v1/history/nodes/n%201",
		RevisionsPath("shop", "web"):                       "/apis/jetplane.dev/v1/namespaces/shop/deployments/web/revisions",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
