// Pattern: Saga (orchestrated). Confirming an order takes three services, and
// no transaction spans them: a step that fails for good after others have
// succeeded would leave a shipment that no one pays for, stock that stays
// taken. The saga keeps its progress durably in ordering's own database, one
// row per order; ordering sends each step's command, waits for the reply, and
// when a step is refused (or never answers) it undoes the steps before it with
// their compensations, in reverse, until the order is CANCELED with a reason.
//
//	create-shipment ──► issue-invoice ──► confirm-reservation ──► COMPLETED
//	      │  refused / no answer │ refused / no answer
//	      ▼                      ▼
//	cancel-shipment ──► release-reservation ──► CANCELED (reason)
//
// issue-invoice is the pivot: once billing has issued the invoice the saga
// only goes forward, so confirm-reservation is retried until it answers.
// Compensations cannot be refused either: they are retried until they answer.

package messaging

import (
	"fmt"
	"time"
)

// Step is one command of the saga: a forward step or a compensation.
type Step string

// The steps, forward first, then the compensations.
const (
	CreateShipment     Step = "create-shipment"
	IssueInvoice       Step = "issue-invoice"
	ConfirmReservation Step = "confirm-reservation"
	CancelShipment     Step = "cancel-shipment"
	ReleaseReservation Step = "release-reservation"
)

// next is the step after a forward step that succeeded ("" after the last).
var next = map[Step]Step{CreateShipment: IssueInvoice, IssueInvoice: ConfirmReservation, ConfirmReservation: ""}

// undo is the step after a compensation that succeeded ("" after the last).
var undo = map[Step]Step{CancelShipment: ReleaseReservation, ReleaseReservation: ""}

// compensable says which forward steps are undone when they fail for good:
// those before the pivot (issue-invoice included, since a refused invoice
// was never issued). After the pivot the saga only goes forward.
var compensable = map[Step]bool{CreateShipment: true, IssueInvoice: true}

// Status is where a saga is.
type Status string

// The saga states: running → completed, or running → compensating → compensated.
const (
	Running      Status = "running"
	Compensating Status = "compensating"
	Completed    Status = "completed"
	Compensated  Status = "compensated"
)

// Saga is the durable state of one order's saga.
type Saga struct {
	OrderID  string
	Step     Step      // the step whose reply the saga waits for
	Status   Status    //
	Deadline time.Time // when the step's reply is overdue
	Attempts int       // how many times the step's command was sent
	Reason   string    // why the saga compensates
}

// Open reports whether the saga still waits for a reply.
func (s Saga) Open() bool { return s.Status == Running || s.Status == Compensating }

// Outcome is what a receiver answers to a command.
type Outcome string

// The outcomes of a command.
const (
	Done    Outcome = "done"    // the step's effect holds
	Refused Outcome = "refused" // the step will never succeed: compensate
	Pending Outcome = "pending" // accepted, not finished yet (a shipment waiting to ship): ask again later
)

// Policy bounds the saga's waits.
type Policy struct {
	Timeout  time.Duration // how long a step waits for its reply
	Attempts int           // how often a compensable step is sent before the saga compensates
	Recheck  time.Duration // how long a Pending step waits before it is asked again
	// Grace is how long past a step's deadline the saga waits before it acts: a
	// receiver drops a command past its deadline, so a step the saga gives up
	// on cannot take effect behind its back.
	Grace time.Duration
}

// Move is what a decision does to the order.
type Move string

// The order moves of a decision.
const (
	Stay     Move = ""
	Shipped  Move = "shipped"
	Complete Move = "completed"
	Cancel   Move = "canceled"
)

// Decision is the saga's answer to a reply or a deadline: its new state, the
// command to send (none when Send is ""), and what happens to the order.
type Decision struct {
	Saga  Saga
	Send  Step
	Order Move
}

// Start is the saga of an order just confirmed: it sends create-shipment.
func Start(orderID string, now time.Time, p Policy) Decision {
	return Decision{Saga: Saga{OrderID: orderID, Step: CreateShipment, Status: Running,
		Deadline: now.Add(p.Timeout), Attempts: 1}, Send: CreateShipment}
}

// OnReply is the saga's decision on a reply to step. ok is false when the
// reply is stale: for a step the saga has left (a duplicate, or the answer to
// a command sent again), or for a saga that is over; it changes nothing.
func (s Saga) OnReply(step Step, out Outcome, reason string, now time.Time, p Policy) (d Decision, ok bool) {
	if !s.Open() || step != s.Step {
		return Decision{Saga: s}, false
	}
	switch out {
	case Done:
		return s.advance(now, p), true
	case Pending:
		s.Deadline, s.Attempts = now.Add(p.Recheck), 0
		return Decision{Saga: s}, true
	case Refused:
		if s.Status == Running && compensable[s.Step] {
			return s.compensate(fmt.Sprintf("%s refused: %s", s.Step, reason), now, p), true
		}
		// Past the pivot, and compensations, cannot be refused for good:
		// ask again at the deadline.
		return Decision{Saga: s}, true
	}
	return Decision{Saga: s}, false
}

// OnDeadline is the saga's decision when its step has not answered by its
// deadline: send it again, or, when a compensable step has used its attempts,
// compensate. ok is false when nothing is due.
func (s Saga) OnDeadline(now time.Time, p Policy) (d Decision, ok bool) {
	if !s.Open() || now.Before(s.Deadline.Add(p.Grace)) {
		return Decision{Saga: s}, false
	}
	if s.Status == Running && compensable[s.Step] && s.Attempts >= p.Attempts {
		return s.compensate(fmt.Sprintf("%s did not answer after %d attempts", s.Step, s.Attempts), now, p), true
	}
	s.Attempts++
	s.Deadline = now.Add(p.Timeout)
	return Decision{Saga: s, Send: s.Step}, true
}

// advance moves on after the current step succeeded.
func (s Saga) advance(now time.Time, p Policy) Decision {
	var after Step
	var move Move
	if s.Status == Running {
		after = next[s.Step]
		switch s.Step {
		case CreateShipment:
			move = Shipped
		case ConfirmReservation:
			move = Complete
		}
	} else {
		after = undo[s.Step]
		if after == "" {
			move = Cancel
		}
	}
	if after == "" {
		s.Status = map[Status]Status{Running: Completed, Compensating: Compensated}[s.Status]
		s.Deadline, s.Attempts = time.Time{}, 0
		return Decision{Saga: s, Order: move}
	}
	s.Step, s.Attempts, s.Deadline = after, 1, now.Add(p.Timeout)
	return Decision{Saga: s, Send: after, Order: move}
}

// compensate starts undoing: every compensable step ran or may have run
// (its command went out), so the shipment is cancelled, then the
// reservations are released.
func (s Saga) compensate(reason string, now time.Time, p Policy) Decision {
	s.Status, s.Reason = Compensating, reason
	s.Step, s.Attempts, s.Deadline = CancelShipment, 1, now.Add(p.Timeout)
	return Decision{Saga: s, Send: CancelShipment}
}
