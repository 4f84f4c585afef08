package loadtest

import (
	"context"
	"sync"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/nodeagent"
)

// TEMPORARY until nodeagent.RunFleet lands.
func runFleet(ctx context.Context, l *events.Log, agents []nodeagent.Config) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(agents))
	for _, a := range agents {
		a.Log = l
		wg.Add(1)
		go func() { defer wg.Done(); errs <- nodeagent.Run(ctx, a) }()
	}
	wg.Wait()
	close(errs)
	return <-errs
}
