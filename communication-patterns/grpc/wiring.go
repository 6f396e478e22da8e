// Package grpc is the remote-procedure-invocation base: the same
// orchestration as rest — ordering calls the warehouse, shipping and billing,
// and shipping and billing read from ordering and customers — but every call
// between the services is gRPC, on the contracts of shared/proto/lab/v1.
// The public API stays REST through the gateway. Each service serves its
// gRPC methods on its one port, beside its HTTP routes (server.go); its
// calls go through the patterns composed with the base (client.go), and
// their errors become the same problem statuses as rest's (status.go).
package grpc

import (
	grpclib "google.golang.org/grpc"

	"github.com/microservice-patterns/lab/shared/app"
	labv1 "github.com/microservice-patterns/lab/shared/proto/lab/v1"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// Base is gRPC between the services.
var Base = &app.Base{
	Name:          "grpc",
	Description:   "remote procedure invocation: the services call each other over gRPC (protobuf contracts, HTTP/2), the public API stays REST",
	OrderingPorts: orderingPorts,
	Readers:       readers,
	Serve:         serve,
}

func init() { app.RegisterBase(Base) }

// orderingPorts hands ordering gRPC clients of the other services.
func orderingPorts(d app.Deps) (ordering.Ports, error) {
	conns, err := dialAll(d, "customers", "warehouse", "shipping", "billing")
	if err != nil {
		return ordering.Ports{}, err
	}
	w := warehouseClient{labv1.NewWarehouseClient(conns[1])}
	return ordering.Ports{Customers: customersClient{labv1.NewCustomersClient(conns[0])}, Catalog: w, Reservations: w,
		Shipping: shippingClient{labv1.NewShippingClient(conns[2])}, Billing: billingClient{labv1.NewBillingClient(conns[3])}}, nil
}

// readers hands shipping and billing gRPC clients of ordering and customers.
func readers(d app.Deps) (app.Readers, error) {
	conns, err := dialAll(d, "ordering", "customers")
	if err != nil {
		return app.Readers{}, err
	}
	return app.Readers{Orders: orderingClient{labv1.NewOrderingClient(conns[0])},
		Customers: customersClient{labv1.NewCustomersClient(conns[1])}}, nil
}

func dialAll(d app.Deps, callees ...string) ([]*grpclib.ClientConn, error) {
	out := make([]*grpclib.ClientConn, 0, len(callees))
	for _, callee := range callees {
		cc, err := dial(d, callee)
		if err != nil {
			return nil, err
		}
		out = append(out, cc)
	}
	return out, nil
}
