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
// looked at, so that a command still running is never raced.

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

// Reconcile makes one pass over the orders that are not final and repairs
// what it can; it returns the first error after trying every order.
func (s *Service) Reconcile(ctx context.Context, opts ReconcileOptions) (ReconcileReport, error) {
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
	o, err := s.repo.Order(ctx, o.OrderID)
	if err != nil {
		return err
	}
	return s.releaseOrphans(ctx, o, rep)
}

// releaseOrphans releases every reservation of the order that holds stock for
// no live item of it.
func (s *Service) releaseOrphans(ctx context.Context, o domain.Order, rep *ReconcileReport) error {
	keep := map[string]bool{}
	if o.Status != domain.OrderCanceled {
		for _, it := range o.Live() {
			if it.ReservationID != "" {
				keep[it.ReservationID] = true
			}
		}
	}
	rs, err := allReservations(ctx, s.ports.Reservations, o.OrderID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if keep[r.ReservationID] || r.Status != domain.ReservationReserved {
			continue
		}
		if _, err := s.ports.Reservations.CancelReservation(ctx, r.ReservationID); err != nil {
			return fmt.Errorf("release reservation %s: %w", r.ReservationID, err)
		}
		rep.Released++
	}
	return nil
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
