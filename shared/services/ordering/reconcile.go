package ordering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/periodic"
)

// The reconciler of the synchronous orchestration. A command runs to its end
// once it has started (Commands detaches it from the client), but a crash of
// ordering, or a call whose answer never came back, can still leave an order
// half-done. Reconcile finds such orders and finishes them, from ordering's
// own data and the warehouse's, with the same idempotent steps the commands
// use, so running it twice, or beside the commands, changes nothing more:
//
//   - a PENDING item is settled: the warehouse is asked again (Reserve is
//     idempotent on the item) and its answer recorded, or the item is taken
//     out when the warehouse cannot answer;
//   - a reservation that holds stock for an item the order does not hold, or
//     holds CANCELED, is released, and so is every reservation of a CANCELED
//     order;
//   - a CONFIRMED or SHIPPED order is resumed as a repeated confirm would:
//     its reservations confirmed, its shipment created and shipped, its
//     invoice issued, until it is COMPLETED.
//
// An OPEN order whose items are all CANCELED stays OPEN (its client may add
// items again) but holds no stock. Only orders untouched for Settle are
// looked at, so that a command still running is seldom raced. It still can
// be (a client adds an item to an order the pass has listed, a command waits
// on the warehouse for longer than Settle), and every instance of ordering
// runs the reconciler over the one database: whichever call records an item's
// reservation first, the others leave it be (reserve), and a pass releases
// only the stock of an item that can never hold it again (releaseOrphans).

// ReconcileOptions tune Reconcile.
type ReconcileOptions struct {
	// Settle is how long an order must have been untouched before it is
	// repaired; 0 repairs every order at once (tests).
	Settle time.Duration
	// Window is how far back OPEN and CANCELED orders are checked (default 15
	// minutes): what leaves them half-done happens while a command runs, so an
	// order untouched for longer has been repaired already.
	Window time.Duration
}

// ReconcileReport counts what one pass repaired.
type ReconcileReport struct {
	Orders   int `json:"orders"`   // orders looked at
	Settled  int `json:"settled"`  // PENDING items settled
	Released int `json:"released"` // orphan reservations released
	Resumed  int `json:"resumed"`  // CONFIRMED or SHIPPED orders resumed
}

// Exclusive is what a Repository shared by several instances of ordering
// offers so that one of them at a time runs a reconcile pass (store.Orders
// does, with an advisory lock on PostgreSQL): it runs fn while holding the
// lock called name, waiting for it within ctx. Without it passes may overlap,
// which the steps above tolerate; the lock saves repeating each other's work.
type Exclusive interface {
	Exclusive(ctx context.Context, name string, fn func(context.Context) error) error
}

// Reconcile makes one pass over the orders that are not final and repairs
// what it can; it returns the first error after trying every order. When the
// repository is Exclusive, the instances sharing it take turns.
func (s *Service) Reconcile(ctx context.Context, opts ReconcileOptions) (ReconcileReport, error) {
	l, ok := s.repo.(Exclusive)
	if !ok {
		return s.reconcile(ctx, opts)
	}
	var rep ReconcileReport
	err := l.Exclusive(ctx, "ordering reconcile", func(ctx context.Context) error {
		var err error
		rep, err = s.reconcile(ctx, opts)
		return err
	})
	return rep, err
}

func (s *Service) reconcile(ctx context.Context, opts ReconcileOptions) (ReconcileReport, error) {
	if opts.Window == 0 {
		opts.Window = 15 * time.Minute
	}
	var rep ReconcileReport
	var errs []error
	now := domain.Now()
	for _, status := range []domain.OrderStatus{domain.OrderOpen, domain.OrderConfirmed, domain.OrderShipped, domain.OrderCanceled} {
		orders, err := s.allOrders(ctx, status)
		if err != nil {
			return rep, err
		}
		for _, o := range orders {
			if now.Sub(o.UpdatedAt) < opts.Settle {
				continue
			}
			if (status == domain.OrderOpen || status == domain.OrderCanceled) && now.Sub(o.UpdatedAt) > opts.Window {
				continue
			}
			rep.Orders++
			if err := s.repair(ctx, o, &rep); err != nil {
				errs = append(errs, fmt.Errorf("order %s: %w", o.OrderID, err))
			}
		}
	}
	return rep, errors.Join(errs...)
}

// repair finishes one order.
func (s *Service) repair(ctx context.Context, o domain.Order, rep *ReconcileReport) error {
	switch o.Status {
	case domain.OrderConfirmed, domain.OrderShipped:
		rep.Resumed++
		_, err := s.Confirm(ctx, o.OrderID)
		return err
	case domain.OrderCanceled:
		return s.releaseOrphans(ctx, o, rep)
	}
	for _, it := range o.Items {
		if it.Status != domain.ItemPending {
			continue
		}
		rep.Settled++
		if _, err := s.reserve(ctx, o.OrderID, it); err != nil {
			return err
		}
	}
	return s.releaseOrphans(ctx, o, rep)
}

// releaseOrphans releases every reservation of the order that holds stock for
// an item the order holds CANCELED or does not hold, and every one of a
// CANCELED order. An item that is still PENDING keeps its reservation: its
// command, or another pass, is recording it.
//
// The reservations are listed before the order is read. The warehouse reserves
// only for an item the order already holds PENDING, so the order read
// afterwards knows the item of every reservation listed, unless the item was
// taken out; and an item that is CANCELED or taken out never holds a
// reservation again, so a reservation released for it is never recorded as
// its stock afterwards, whatever the commands and passes of every instance do
// meanwhile.
func (s *Service) releaseOrphans(ctx context.Context, o domain.Order, rep *ReconcileReport) error {
	rs, err := allReservations(ctx, s.ports.Reservations, o.OrderID)
	if err != nil {
		return err
	}
	if o, err = s.repo.Order(ctx, o.OrderID); err != nil {
		return err
	}
	for _, r := range rs {
		if r.Status != domain.ReservationReserved || holds(o, r) {
			continue
		}
		if _, err := s.ports.Reservations.CancelReservation(ctx, r.ReservationID); err != nil {
			return fmt.Errorf("release reservation %s: %w", r.ReservationID, err)
		}
		rep.Released++
	}
	return nil
}

// holds reports whether the order holds, or may still come to hold, the
// reservation's stock for its item.
func holds(o domain.Order, r domain.Reservation) bool {
	it := o.Item(r.ItemID)
	if o.Status == domain.OrderCanceled || it == nil || it.Status == domain.ItemCanceled {
		return false
	}
	return it.Status == domain.ItemPending || it.ReservationID == r.ReservationID
}

// allOrders lists every order in status.
func (s *Service) allOrders(ctx context.Context, status domain.OrderStatus) ([]domain.Order, error) {
	return s.repo.Orders(ctx, "", status, domain.Page{})
}

// allReservations lists every reservation of an order.
func allReservations(ctx context.Context, r Reservations, orderID string) ([]domain.Reservation, error) {
	return r.OrderReservations(ctx, orderID)
}

// StartReconciler runs Reconcile at once and then every interval, each pass
// within budget, until the returned stop is called (which waits for a pass
// under way). An interval of 0 starts nothing: Reconcile runs on demand only.
func (s *Service) StartReconciler(interval, budget time.Duration, opts ReconcileOptions, log *slog.Logger) (stop func()) {
	return periodic.Start(interval, func(ctx context.Context) {
		pass, done := context.WithTimeout(ctx, budget)
		rep, err := s.Reconcile(pass, opts)
		done()
		switch {
		case ctx.Err() != nil:
		case err != nil:
			log.Warn("reconcile: some orders are not repaired yet", "error", err, "repaired", rep)
		case rep.Settled+rep.Released+rep.Resumed > 0:
			log.Info("reconcile: repaired orders", "settled", rep.Settled, "released", rep.Released, "resumed", rep.Resumed)
		}
	})
}

// AdminRoutes registers POST /admin/reconcile: one pass of Reconcile at once,
// over every order whatever its age, answering what it repaired (the gateway
// never routes /admin/; tests and operators call the service directly).
func AdminRoutes(r gin.IRouter, s *Service) {
	r.POST("/admin/reconcile", func(c *gin.Context) {
		rep, err := s.Reconcile(c.Request.Context(), ReconcileOptions{})
		httpx.Respond(c, http.StatusOK, rep, err)
	})
}
