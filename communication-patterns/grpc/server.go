package grpc

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gin-gonic/gin"
	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	labv1 "github.com/microservice-patterns/lab/shared/proto/lab/v1"
	"github.com/microservice-patterns/lab/shared/services/billing"
	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/services/shipping"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// serve is the base's app.Base.Serve: the service's gRPC server, with the
// standard health service, mounted on the service's own engine, one POST
// route per method (/lab.v1.Warehouse/Reserve …). The calls pass through
// the same middleware as every HTTP request — request id, tracing, metrics,
// access log, recovery, authentication, the fault injection, the patterns'
// own — and the listener speaks cleartext HTTP/2 beside HTTP/1.1, so one
// port serves both. /readyz reports the health service's status ("grpc").
func serve(e *gin.Engine, core any, d app.Deps) (map[string]httpx.Check, error) {
	opts := []grpclib.ServerOption{grpclib.UnaryInterceptor(logFailures(d.Log))}
	_, server := d.RPCStats()
	for _, h := range server {
		opts = append(opts, grpclib.StatsHandler(h))
	}
	srv := grpclib.NewServer(opts...)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	name, err := register(srv, core)
	if err != nil {
		return nil, err
	}
	mount(e, srv)
	hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	d.OnClose(func() { hs.Shutdown() }) // NOT_SERVING from the moment the service stops
	check := func(ctx context.Context) error { return healthy(ctx, hs, name) }
	return map[string]httpx.Check{"grpc": check}, nil
}

// mount routes each method of srv's services to srv: POST /<service>/<method>.
func mount(e *gin.Engine, srv *grpclib.Server) {
	for svc, info := range srv.GetServiceInfo() {
		for _, m := range info.Methods {
			e.POST("/"+svc+"/"+m.Name, gin.WrapH(srv))
		}
	}
}

// register registers the gRPC service of core and returns its full name.
func register(srv *grpclib.Server, core any) (string, error) {
	switch s := core.(type) {
	case *customers.Service:
		labv1.RegisterCustomersServer(srv, customersServer{s: s})
		return labv1.Customers_ServiceDesc.ServiceName, nil
	case *ordering.Service:
		labv1.RegisterOrderingServer(srv, orderingServer{s: s})
		return labv1.Ordering_ServiceDesc.ServiceName, nil
	case *warehouse.Service:
		labv1.RegisterWarehouseServer(srv, warehouseServer{s: s})
		return labv1.Warehouse_ServiceDesc.ServiceName, nil
	case *shipping.Service:
		labv1.RegisterShippingServer(srv, shippingServer{s: s})
		return labv1.Shipping_ServiceDesc.ServiceName, nil
	case *billing.Service:
		labv1.RegisterBillingServer(srv, billingServer{s: s})
		return labv1.Billing_ServiceDesc.ServiceName, nil
	}
	return "", fmt.Errorf("grpc: no gRPC service for %T", core)
}

// healthy asks the health service, in process, whether the whole server and
// the named service are SERVING.
func healthy(ctx context.Context, hs *health.Server, name string) error {
	for _, svc := range []string{"", name} {
		resp, err := hs.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil {
			return fmt.Errorf("health of %q: %s", svc, domain.ErrorMessage(err))
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("gRPC health of %q is %s", svc, resp.GetStatus())
		}
	}
	return nil
}

// logFailures turns each method's error into its gRPC status (statusOf) and
// logs the internal ones with their chain, which no caller sees.
func logFailures(log *slog.Logger) grpclib.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpclib.UnaryServerInfo, handler grpclib.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err == nil {
			return resp, nil
		}
		if domain.ErrorCode(err) == domain.CodeInternal {
			log.Error("call failed", "method", info.FullMethod, "error", err.Error(), "request_id", httpx.RequestID(ctx))
		}
		return nil, statusOf(err)
	}
}

// The servers: each checks the ids it is given, as the HTTP routes do, and
// calls the service's core.

type customersServer struct {
	labv1.UnimplementedCustomersServer
	s *customers.Service
}

func (x customersServer) GetCustomer(ctx context.Context, in *labv1.GetCustomerRequest) (*labv1.Customer, error) {
	if err := domain.CheckID("customerId", in.GetCustomerId()); err != nil {
		return nil, err
	}
	c, err := x.s.Customer(ctx, in.GetCustomerId())
	if err != nil {
		return nil, err
	}
	return customerPB(c), nil
}

type orderingServer struct {
	labv1.UnimplementedOrderingServer
	s *ordering.Service
}

func (x orderingServer) GetOrder(ctx context.Context, in *labv1.GetOrderRequest) (*labv1.Order, error) {
	if err := domain.CheckID("orderId", in.GetOrderId()); err != nil {
		return nil, err
	}
	o, err := x.s.Order(ctx, in.GetOrderId())
	if err != nil {
		return nil, err
	}
	return orderPB(o), nil
}

type warehouseServer struct {
	labv1.UnimplementedWarehouseServer
	s *warehouse.Service
}

func (x warehouseServer) GetProduct(ctx context.Context, in *labv1.GetProductRequest) (*labv1.Product, error) {
	if err := domain.CheckID("productId", in.GetProductId()); err != nil {
		return nil, err
	}
	p, err := x.s.Product(ctx, in.GetProductId())
	if err != nil {
		return nil, err
	}
	return productPB(p), nil
}

func (x warehouseServer) Reserve(ctx context.Context, in *labv1.ReserveRequest) (*labv1.ReserveResponse, error) {
	r, created, err := x.s.Reserve(ctx, domain.ReservationRequest{OrderID: in.GetOrderId(), ItemID: in.GetItemId(),
		ProductID: in.GetProductId(), Quantity: int(in.GetQuantity())})
	if err != nil {
		return nil, err
	}
	return &labv1.ReserveResponse{Reservation: reservationPB(r), Created: created}, nil
}

func (x warehouseServer) ConfirmReservation(ctx context.Context, in *labv1.ReservationRef) (*labv1.Reservation, error) {
	return x.transition(ctx, in, x.s.Confirm)
}

func (x warehouseServer) CancelReservation(ctx context.Context, in *labv1.ReservationRef) (*labv1.Reservation, error) {
	return x.transition(ctx, in, x.s.Cancel)
}

func (x warehouseServer) transition(ctx context.Context, in *labv1.ReservationRef,
	move func(context.Context, string) (domain.Reservation, error)) (*labv1.Reservation, error) {
	if err := domain.CheckID("reservationId", in.GetReservationId()); err != nil {
		return nil, err
	}
	r, err := move(ctx, in.GetReservationId())
	if err != nil {
		return nil, err
	}
	return reservationPB(r), nil
}

// ListOrderReservations answers every reservation of the order at once (an
// order holds at most domain.MaxItems items, each with one reservation).
func (x warehouseServer) ListOrderReservations(ctx context.Context, in *labv1.OrderRef) (*labv1.ListReservationsResponse, error) {
	if err := domain.CheckID("orderId", in.GetOrderId()); err != nil {
		return nil, err
	}
	list, err := x.s.Reservations(ctx, in.GetOrderId(), domain.Page{})
	if err != nil {
		return nil, err
	}
	out := &labv1.ListReservationsResponse{Reservations: make([]*labv1.Reservation, 0, len(list))}
	for _, r := range list {
		out.Reservations = append(out.Reservations, reservationPB(r))
	}
	return out, nil
}

type shippingServer struct {
	labv1.UnimplementedShippingServer
	s *shipping.Service
}

func (x shippingServer) CreateShipment(ctx context.Context, in *labv1.OrderRef) (*labv1.CreateShipmentResponse, error) {
	sh, created, err := x.s.Create(ctx, domain.OrderRef{OrderID: in.GetOrderId()})
	if err != nil {
		return nil, err
	}
	return &labv1.CreateShipmentResponse{Shipment: shipmentPB(sh), Created: created}, nil
}

type billingServer struct {
	labv1.UnimplementedBillingServer
	s *billing.Service
}

func (x billingServer) IssueInvoice(ctx context.Context, in *labv1.OrderRef) (*labv1.IssueInvoiceResponse, error) {
	inv, created, err := x.s.Create(ctx, domain.OrderRef{OrderID: in.GetOrderId()})
	if err != nil {
		return nil, err
	}
	return &labv1.IssueInvoiceResponse{Invoice: invoicePB(inv), Created: created}, nil
}
