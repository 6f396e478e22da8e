package app

import (
	"context"
	"fmt"
	"maps"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/clients"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/billing"
	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/services/shipping"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/store"
)

// register builds the named service over its database and registers its routes.
// What it starts beside the routes it hands to onClose, to be stopped on close;
// the readiness checks a base's Serve adds go into checks.
func register(ctx context.Context, b *Base, e *gin.Engine, db *store.DB, d Deps, onClose func(func()), checks map[string]httpx.Check) error {
	d.onClose = onClose
	// internal serves what the other services call on this one: the
	// /internal/ routes, or the base's own way.
	internal := func(core any, routes func()) error {
		if b.Serve == nil {
			routes()
			return nil
		}
		served, err := b.Serve(e, core, d)
		maps.Copy(checks, served)
		return err
	}
	switch d.Config.Name {
	case "customers":
		s := customers.New(store.NewCustomers(db))
		customers.Routes(e, s)
		if err := internal(s, func() {}); err != nil {
			return err
		}
		return s.Seed(ctx)
	case "warehouse":
		s := warehouse.New(store.NewWarehouse(db))
		warehouse.Routes(e, s)
		if err := internal(s, func() { warehouse.InternalRoutes(e, s) }); err != nil {
			return err
		}
		return s.Seed(ctx)
	case "shipping":
		r, err := readers(b, d)
		if err != nil {
			return err
		}
		s := shipping.New(store.NewShipments(db), r.Orders, r.Customers, d.Config.ShipDelay)
		shipping.Routes(e, s)
		if err := internal(s, func() { shipping.InternalRoutes(e, s) }); err != nil {
			return err
		}
		// Repair on its own: ship the shipments a dead request left PENDING.
		onClose(s.StartShipper(d.Config.ReconcileInterval, d.Log))
	case "billing":
		r, err := readers(b, d)
		if err != nil {
			return err
		}
		s := billing.New(store.NewInvoices(db), r.Orders, r.Customers)
		billing.Routes(e, s)
		return internal(s, func() { billing.InternalRoutes(e, s) })
	case "ordering":
		portsOf := b.OrderingPorts
		if portsOf == nil {
			portsOf = SyncOrderingPorts
		}
		ports, err := portsOf(d)
		if err != nil {
			return fmt.Errorf("wire ordering: %w", err)
		}
		s, err := ordering.New(store.NewOrders(db), ports)
		if err != nil {
			return err
		}
		ordering.Routes(e, s, ordering.WithCommandBudget(d.Config.CommandBudget))
		if err := internal(s, func() {}); err != nil {
			return err
		}
		// Repair on its own what a crash left half-done (ordering/reconcile.go).
		ordering.AdminRoutes(e, s)
		onClose(s.StartReconciler(d.Config.ReconcileInterval, d.Config.CommandBudget,
			ordering.ReconcileOptions{Settle: d.Config.CommandBudget}, d.Log))
	default:
		return fmt.Errorf("unknown service %q", d.Config.Name)
	}
	return nil
}

// readers returns what shipping and billing read from ordering and customers:
// the base's own readers, or HTTP clients.
func readers(b *Base, d Deps) (Readers, error) {
	if b.Readers != nil {
		r, err := b.Readers(d)
		if err != nil {
			return Readers{}, fmt.Errorf("wire %s: %w", d.Config.Name, err)
		}
		return r, nil
	}
	u := d.Config.URLs
	return Readers{Orders: clients.NewOrdering(u.Ordering, d.HTTPFor("ordering")),
		Customers: clients.NewCustomers(u.Customers, d.HTTPFor("customers"))}, nil
}

// SyncOrderingPorts hands ordering HTTP clients of the other services.
func SyncOrderingPorts(d Deps) (ordering.Ports, error) {
	u := d.Config.URLs
	w := clients.NewWarehouse(u.Warehouse, d.HTTPFor("warehouse"))
	return ordering.Ports{Customers: clients.NewCustomers(u.Customers, d.HTTPFor("customers")), Catalog: w, Reservations: w,
		Shipping: clients.NewShipping(u.Shipping, d.HTTPFor("shipping")), Billing: clients.NewBilling(u.Billing, d.HTTPFor("billing"))}, nil
}
