package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/microservice-patterns/lab/shared/messaging"
)

// teardownTimeout bounds the deletion of a run's names when the run ends.
const teardownTimeout = 15 * time.Second

// teardown deletes the run's exchanges and queues from the broker when a run
// with a run id of its own (smoke, compare, demo) ends, however it ends: it
// runs after the processes have stopped, on a fresh bounded context, since the
// run's own is cancelled by Ctrl-C. A dead-letter queue that holds messages
// is kept and named, since its messages say what failed. A run that cannot
// tear down (a killed runner, a broker away) is caught by the names' expiry.
func (l *lab) teardown() {
	if !l.variant.Broker() || l.cfg.RunID == "" {
		return
	}
	n, err := messaging.NewNames(l.variant.Name, l.cfg.RunID)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), teardownTimeout)
	defer cancel()
	kept, err := messaging.TeardownRun(ctx, l.cfg.AMQPURL, n, l.variant.Consumers(), true)
	for _, k := range kept {
		fmt.Fprintf(os.Stderr, "lab: kept %s with %s (evidence; `lab broker clean %s -run %s -dead-letters` deletes it)\n",
			k.Name, plural(k.Messages, "dead letter"), l.variant.Name, l.cfg.RunID)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lab: could not delete the run's broker names (they expire unused after %s): %v\n",
			messaging.DefaultRunExpiry.Queue, err)
	}
}
