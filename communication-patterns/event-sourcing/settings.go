package eventsourcing

import "github.com/microservice-patterns/lab/shared/config"

// settings are the event store's: how many events pass between two snapshots
// of an order (EVENT_SOURCING_SNAPSHOT_EVERY, default 5; a typical order has
// eight to ten events, so most orders have one snapshot and a short tail).
type settings struct {
	snapshotEvery int
}

// loadSettings reads the settings from env.
func loadSettings(env config.Getenv) (settings, error) {
	r := config.NewReader(env)
	s := settings{snapshotEvery: r.Positive("EVENT_SOURCING_SNAPSHOT_EVERY", 5)}
	return s, r.Err()
}
