package messaging

import (
	"fmt"
	"regexp"
)

// namePart is what a variant, a run id or a service name may look like: a
// broker name is made of such parts joined by dots.
var namePart = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// variantName is what a variant's name may look like: parts joined by "+", a
// base and the patterns composed with it (event-notification+retry).
var variantName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(\+[a-z0-9][a-z0-9_-]*)*$`)

// Names derives the broker names of one variant and one run, so that runs never
// see each other's messages:
//
//	exchange          lab.<variant>[.<run>].events           durable topic exchange
//	consumer queue    lab.<variant>[.<run>].<service>        bound to the event types it handles
//	dead letters      lab.<variant>[.<run>].<service>.dlx    fanout exchange
//	                  lab.<variant>[.<run>].<service>.dlq    its queue
type Names struct {
	prefix string
}

// NewNames returns the names of a variant; runID is empty for a normal run and
// set to a unique value by tests.
func NewNames(variant, runID string) (Names, error) {
	if !variantName.MatchString(variant) {
		return Names{}, fmt.Errorf("messaging: variant %q: want lower-case letters, digits, -, _ or + between parts", variant)
	}
	prefix := "lab." + variant
	if runID != "" {
		if !namePart.MatchString(runID) {
			return Names{}, fmt.Errorf("messaging: run id %q: want lower-case letters, digits, - or _", runID)
		}
		prefix += "." + runID
	}
	return Names{prefix: prefix}, nil
}

// Prefix is what every name of the variant and run starts with.
func (n Names) Prefix() string { return n.prefix }

// Exchange is the topic exchange every event of the variant is published to.
func (n Names) Exchange() string { return n.prefix + ".events" }

// Queue is the queue of a consuming service.
func (n Names) Queue(service string) string { return n.prefix + "." + service }

// DeadLetterExchange is the exchange a service's failed messages go to.
func (n Names) DeadLetterExchange(service string) string { return n.Queue(service) + ".dlx" }

// DeadLetterQueue is the queue that keeps a service's failed messages.
func (n Names) DeadLetterQueue(service string) string { return n.Queue(service) + ".dlq" }

// connectionName is how a connection shows in the management UI.
func (n Names) connectionName(role string) string { return n.prefix + " " + role }

func checkService(service string) error {
	if !namePart.MatchString(service) {
		return fmt.Errorf("messaging: service %q: want lower-case letters, digits, - or _", service)
	}
	return nil
}
