package app

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/clients"
	"github.com/microservice-patterns/lab/shared/services/billing"
	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/services/shipping"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/store"
)

// register builds the named service over its database and registers its routes.
// What it starts beside the routes it hands to onClose, to be stopped on close.
func register(ctx context.Context, b *Base, e *gin.Engine, db *store.DB, d Deps, onClose func(func())) error {
	u := d.Config.URLs
	switch d.Config.Name {
	case "customers":
		s := customers.New(store.NewCustomers(db))
		customers.Routes(e, s)
		return s.Seed(ctx)
	case "warehouse":
		s := warehouse.New(store.NewWarehouse(db))
		warehouse.Routes(e, s)
		warehouse.InternalRoutes(e, s)
		return s.Seed(ctx)
	case "shipping":
		s := shipping.New(store.NewShipments(db), clients.NewOrdering(u.Ordering, d.HTTPFor("ordering")),
			clients.NewCustomers(u.Customers, d.HTTPFor("customers")), d.Config.ShipDelay)
		shipping.Routes(e, s)
		shipping.InternalRoutes(e, s)
		// Repair on its own: ship the shipments a dead request left PENDING.
		onClose(s.StartShipper(d.Config.ReconcileInterval, d.Log))
	case "billing":
		s := billing.New(store.NewInvoices(db), clients.NewOrdering(u.Ordering, d.HTTPFor("ordering")),
			clients.NewCustomers(u.Customers, d.HTTPFor("customers")))
		billing.Routes(e, s)
		billing.InternalRoutes(e, s)
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
		// Repair on its own what a crash left half-done (ordering/reconcile.go).
		ordering.AdminRoutes(e, s)
		onClose(s.StartReconciler(d.Config.ReconcileInterval, d.Config.CommandBudget,
			ordering.ReconcileOptions{Settle: d.Config.CommandBudget}, d.Log))
	default:
		return fmt.Errorf("unknown service %q", d.Config.Name)
	}
	return nil
}

// SyncOrderingPorts hands ordering HTTP clients of the other services.
func SyncOrderingPorts(d Deps) (ordering.Ports, error) {
	u := d.Config.URLs
	w := clients.NewWarehouse(u.Warehouse, d.HTTPFor("warehouse"))
	return ordering.Ports{Customers: clients.NewCustomers(u.Customers, d.HTTPFor("customers")), Catalog: w, Reservations: w,
		Shipping: clients.NewShipping(u.Shipping, d.HTTPFor("shipping")), Billing: clients.NewBilling(u.Billing, d.HTTPFor("billing"))}, nil
}
