package nodereports

import (
	"context"
	"testing"

	"github.com/jetplane/jetplane/events/natslog"
)

// ServeForTest runs the report service on l until the test ends, after
// everything the test registered later (agents report while stopping).
func ServeForTest(t testing.TB, l *natslog.Log) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done, err := Start(ctx, Config{Log: l})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-done
	})
}
