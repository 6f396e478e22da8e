package messaging

import (
	"fmt"
	"regexp"
	"strings"
	"time"
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
//
// Names with a run id are a run's own: its queues carry an expiry and its
// exchanges delete themselves with their last binding (see RunExpiry), so
// that even a killed run's topology goes away. Names without one are the
// named topology of `make run-<variant>` and are declared with no expiry.
type Names struct {
	prefix, variant, run string
	expiry               RunExpiry
}

// RunExpiry is how long a run's queues may stay unused (no consumer, no get,
// no declare) before the broker deletes them: the safety net for a run that
// was killed before it could tear its names down.
type RunExpiry struct {
	Queue      time.Duration // a service's queue
	DeadLetter time.Duration // a dead-letter queue: long, its messages are evidence
}

// DefaultRunExpiry is the expiry of a run's queues: an hour for a service's
// queue, longer than any pause of a test or a demo; a week for a dead-letter
// queue, whose messages someone may still want to read.
var DefaultRunExpiry = RunExpiry{Queue: time.Hour, DeadLetter: 7 * 24 * time.Hour}

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
	return Names{prefix: prefix, variant: variant, run: runID, expiry: DefaultRunExpiry}, nil
}

// Variant is the variant the names belong to.
func (n Names) Variant() string { return n.variant }

// RunID is the run the names belong to; empty for the named topology.
func (n Names) RunID() string { return n.run }

// WithExpiry returns the names with another expiry for a run's queues (a
// test of the safety net uses a short one). It changes nothing without a run id.
func (n Names) WithExpiry(e RunExpiry) Names {
	n.expiry = e
	return n
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

// Kind says what a broker name of the lab is.
type Kind string

// The kinds of broker names Names makes.
const (
	KindExchange           Kind = "exchange"    // lab.<variant>[.<run>].events
	KindQueue              Kind = "queue"       // lab.<variant>[.<run>].<service>
	KindDeadLetterExchange Kind = "dead-letter" // lab.<variant>[.<run>].<service>.dlx
	KindDeadLetterQueue    Kind = "dead-letters"
)

// Name is a broker name of the lab taken apart.
type Name struct {
	Variant string
	Run     string // empty for the named topology
	Service string // empty for the events exchange
	Kind    Kind
}

// ParseName takes apart a name that Names made; ok is false for any other
// name (the broker's own, a server-named tap queue, someone else's).
func ParseName(name string) (n Name, ok bool) {
	rest, found := strings.CutPrefix(name, "lab.")
	if !found {
		return Name{}, false
	}
	parts := strings.Split(rest, ".")
	for i, p := range parts {
		if !namePart.MatchString(p) && (i > 0 || !variantName.MatchString(p)) {
			return Name{}, false
		}
	}
	last := func() string { p := parts[len(parts)-1]; parts = parts[:len(parts)-1]; return p }
	switch l := last(); {
	case l == "dlq" || l == "dlx":
		n.Kind = map[string]Kind{"dlq": KindDeadLetterQueue, "dlx": KindDeadLetterExchange}[l]
		if len(parts) == 0 {
			return Name{}, false
		}
		n.Service = last()
	case l == "events":
		n.Kind = KindExchange
	default:
		n.Kind, n.Service = KindQueue, l
	}
	switch len(parts) {
	case 1:
		n.Variant = parts[0]
	case 2:
		n.Variant, n.Run = parts[0], parts[1]
	default:
		return Name{}, false
	}
	return n, true
}
