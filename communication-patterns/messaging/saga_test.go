package messaging

import (
	"strings"
	"testing"
	"time"
)

var (
	t0     = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	policy = Policy{Timeout: 10 * time.Second, Attempts: 3, Recheck: time.Second, Grace: 2 * time.Second}
)

// replies feeds the saga one Done reply per step it names and returns the decisions.
func replies(t *testing.T, s Saga, steps ...Step) (Saga, []Decision) {
	t.Helper()
	var ds []Decision
	for _, step := range steps {
		d, ok := s.OnReply(step, Done, "", t0, policy)
		if !ok {
			t.Fatalf("reply to %s in %s/%s: ignored, want it applied", step, s.Status, s.Step)
		}
		ds, s = append(ds, d), d.Saga
	}
	return s, ds
}

func TestSaga_forwardToCompleted(t *testing.T) {
	d := Start("o1", t0, policy)
	if d.Send != CreateShipment || d.Saga.Status != Running || d.Saga.Attempts != 1 || !d.Saga.Deadline.Equal(t0.Add(policy.Timeout)) {
		t.Fatalf("start: got %+v", d)
	}
	s, ds := replies(t, d.Saga, CreateShipment, IssueInvoice, ConfirmReservation)
	want := []struct {
		send Step
		move Move
	}{{IssueInvoice, Shipped}, {ConfirmReservation, Stay}, {"", Complete}}
	for i, w := range want {
		if ds[i].Send != w.send || ds[i].Order != w.move {
			t.Errorf("decision %d: got send %q move %q, want %q %q", i, ds[i].Send, ds[i].Order, w.send, w.move)
		}
	}
	if s.Status != Completed || s.Open() {
		t.Errorf("end: got %+v, want completed", s)
	}
}

// Every compensable step refused is undone in reverse: the shipment is
// cancelled, then the reservations are released, then the order is cancelled.
func TestSaga_everyStepsCompensation(t *testing.T) {
	for _, failing := range []Step{CreateShipment, IssueInvoice} {
		t.Run(string(failing), func(t *testing.T) {
			s := Start("o1", t0, policy).Saga
			if failing == IssueInvoice {
				s, _ = replies(t, s, CreateShipment)
			}
			d, ok := s.OnReply(failing, Refused, "over the limit", t0, policy)
			if !ok || d.Send != CancelShipment || d.Saga.Status != Compensating || d.Order != Stay {
				t.Fatalf("refusal: got %+v ok %v, want cancel-shipment while compensating", d, ok)
			}
			if !strings.Contains(d.Saga.Reason, string(failing)) || !strings.Contains(d.Saga.Reason, "over the limit") {
				t.Errorf("reason %q: want the step and the refusal", d.Saga.Reason)
			}
			s, ds := replies(t, d.Saga, CancelShipment, ReleaseReservation)
			if ds[0].Send != ReleaseReservation || ds[0].Order != Stay || ds[1].Send != "" || ds[1].Order != Cancel {
				t.Errorf("compensations: got %+v then %+v, want release-reservation, then the order cancelled", ds[0], ds[1])
			}
			if s.Status != Compensated || s.Reason == "" {
				t.Errorf("end: got %+v, want compensated with its reason", s)
			}
		})
	}
}

// Past the pivot the saga only goes forward, and compensations cannot be
// refused: a refusal there waits for the deadline and the step is sent again.
func TestSaga_refusalPastThePivotIsRetried(t *testing.T) {
	s, _ := replies(t, Start("o1", t0, policy).Saga, CreateShipment, IssueInvoice)
	d, ok := s.OnReply(ConfirmReservation, Refused, "busy", t0, policy)
	if !ok || d.Send != "" || d.Saga.Status != Running || d.Saga.Step != ConfirmReservation {
		t.Fatalf("refused confirm-reservation: got %+v, want the step kept", d)
	}
	d, _ = d.Saga.OnDeadline(d.Saga.Deadline.Add(policy.Grace), policy)
	if d.Send != ConfirmReservation {
		t.Errorf("at the deadline: got send %q, want confirm-reservation again", d.Send)
	}
}

// A step without a reply by its deadline is sent again until it has used its
// attempts; then the saga compensates.
func TestSaga_timeout(t *testing.T) {
	s := Start("o1", t0, policy).Saga
	if _, ok := s.OnDeadline(s.Deadline, policy); ok {
		t.Fatal("at the deadline, within the grace: acted, want nothing due yet")
	}
	for attempt := 2; attempt <= policy.Attempts; attempt++ {
		now := s.Deadline.Add(policy.Grace)
		d, ok := s.OnDeadline(now, policy)
		if !ok || d.Send != CreateShipment || d.Saga.Attempts != attempt || !d.Saga.Deadline.Equal(now.Add(policy.Timeout)) {
			t.Fatalf("deadline %d: got %+v ok %v, want create-shipment sent again", attempt-1, d, ok)
		}
		s = d.Saga
	}
	d, ok := s.OnDeadline(s.Deadline.Add(policy.Grace), policy)
	if !ok || d.Send != CancelShipment || d.Saga.Status != Compensating || !strings.Contains(d.Saga.Reason, "did not answer") {
		t.Fatalf("after %d attempts: got %+v, want compensation", policy.Attempts, d)
	}
	// A compensation that does not answer is sent again, without bound.
	s = d.Saga
	for range 2 * policy.Attempts {
		d, _ = s.OnDeadline(s.Deadline.Add(policy.Grace), policy)
		if d.Send != CancelShipment || d.Saga.Status != Compensating {
			t.Fatalf("an unanswered compensation: got %+v, want it sent again", d)
		}
		s = d.Saga
	}
}

// A pending shipment is asked again after Recheck, without using an attempt.
func TestSaga_pendingShipmentIsAskedAgain(t *testing.T) {
	s := Start("o1", t0, policy).Saga
	d, ok := s.OnReply(CreateShipment, Pending, "", t0, policy)
	if !ok || d.Send != "" || d.Saga.Attempts != 0 || !d.Saga.Deadline.Equal(t0.Add(policy.Recheck)) {
		t.Fatalf("pending: got %+v", d)
	}
	d, _ = d.Saga.OnDeadline(t0.Add(policy.Recheck+policy.Grace), policy)
	if d.Send != CreateShipment || d.Saga.Attempts != 1 {
		t.Errorf("recheck: got %+v, want create-shipment as attempt 1", d)
	}
}

// A duplicate reply, or the reply to a command sent again, finds the saga
// past its step: it is ignored and changes nothing.
func TestSaga_duplicateReplyIgnored(t *testing.T) {
	s, _ := replies(t, Start("o1", t0, policy).Saga, CreateShipment)
	if d, ok := s.OnReply(CreateShipment, Done, "", t0, policy); ok || d.Saga != s || d.Send != "" || d.Order != Stay {
		t.Errorf("second create-shipment reply: got %+v ok %v, want it ignored", d, ok)
	}
	if _, ok := s.OnReply(CreateShipment, Refused, "late", t0, policy); ok {
		t.Error("a late refusal of a step already done: applied, want it ignored")
	}
	s, _ = replies(t, s, IssueInvoice, ConfirmReservation)
	if _, ok := s.OnReply(ConfirmReservation, Done, "", t0, policy); ok {
		t.Error("a reply to a completed saga: applied, want it ignored")
	}
	if _, ok := s.OnDeadline(t0.Add(time.Hour), policy); ok {
		t.Error("a deadline of a completed saga: acted, want nothing due")
	}
}
