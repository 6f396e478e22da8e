package grpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	labv1 "github.com/microservice-patterns/lab/shared/proto/lab/v1"
)

// fakeWarehouse records the deadline of each call it serves and answers err.
type fakeWarehouse struct {
	labv1.UnimplementedWarehouseServer
	mu        sync.Mutex
	deadlines []time.Time
	err       error
}

func (f *fakeWarehouse) ConfirmReservation(ctx context.Context, in *labv1.ReservationRef) (*labv1.Reservation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	dl, _ := ctx.Deadline()
	f.deadlines = append(f.deadlines, dl)
	if f.err != nil {
		return nil, f.err
	}
	return &labv1.Reservation{ReservationId: in.GetReservationId(), Status: string(domain.ReservationConfirmed)}, nil
}

func (f *fakeWarehouse) last() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deadlines[len(f.deadlines)-1]
}

// startFake serves fake as the warehouse's gRPC server on a service engine
// of its own, on a loopback port that speaks HTTP/1.1 and h2c, and returns a
// client of it whose per-call deadline is timeout.
func startFake(t *testing.T, fake *fakeWarehouse, timeout time.Duration) warehouseClient {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := httpx.NewEngine(log)
	srv := grpclib.NewServer(grpclib.UnaryInterceptor(logFailures(log)))
	labv1.RegisterWarehouseServer(srv, fake)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	mount(e, srv)
	ln, err := httpx.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = httpx.Serve(ctx, ln, httpx.CleartextHTTP2(e), log, time.Second)
	}()
	d := app.Deps{Config: config.Service{Name: "ordering", HTTPTimeout: timeout,
		URLs: config.URLs{Warehouse: "http://" + ln.Addr().String()}}}
	cc, err := dial(d, "warehouse")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Close()
		cancel()
		<-done
	})
	return warehouseClient{labv1.NewWarehouseClient(cc)}
}

// TestDeadlinePropagates: the callee works under the caller's deadline when
// the caller has one, and under the per-call deadline otherwise.
func TestDeadlinePropagates(t *testing.T) {
	fake := &fakeWarehouse{}
	c := startFake(t, fake, 10*time.Minute)
	id := domain.NewID()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	callerDeadline, _ := ctx.Deadline()
	if _, err := c.ConfirmReservation(ctx, id); err != nil {
		t.Fatal(err)
	}
	// grpc-timeout carries the time left, which the callee adds to its own
	// clock: the deadline it sees may come a hair after the caller's.
	const slack = time.Second
	got := fake.last()
	if got.IsZero() || got.After(callerDeadline.Add(slack)) || got.Before(callerDeadline.Add(-30*time.Second)) {
		t.Errorf("the callee's deadline %v: want the caller's, %v", got, callerDeadline)
	}

	start := time.Now()
	if _, err := c.ConfirmReservation(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	got = fake.last()
	if limit := start.Add(10 * time.Minute); got.IsZero() || got.After(limit.Add(slack)) || got.Before(limit.Add(-time.Minute)) {
		t.Errorf("the callee's deadline with none from the caller: %v, want the per-call one, about %v", got, limit)
	}
}

// TestCalleeErrorsReachTheCaller: a callee's error comes back as the domain
// error of its code, with its fields, over a real connection.
func TestCalleeErrorsReachTheCaller(t *testing.T) {
	fake := &fakeWarehouse{err: domain.Invalid(domain.FieldError{Field: "reservationId", Message: "unknown"})}
	c := startFake(t, fake, time.Minute)
	_, err := c.ConfirmReservation(context.Background(), domain.NewID())
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Field != "reservationId" {
		t.Fatalf("got %#v, want the callee's invalid field", err)
	}
	fake.err = domain.Errorf(domain.CodeConflict, "reservation is CANCELED")
	if _, err := c.ConfirmReservation(context.Background(), domain.NewID()); domain.ErrorCode(err) != domain.CodeConflict ||
		httpx.StatusOf(domain.ErrorCode(err)) != http.StatusConflict {
		t.Errorf("a conflict: got %v (%s)", err, domain.ErrorCode(err))
	}
}

// TestHealthy: /readyz's "grpc" check passes while the health service says
// SERVING, and fails once it is shut down, as when the service stops.
func TestHealthy(t *testing.T) {
	hs := health.NewServer()
	name := labv1.Warehouse_ServiceDesc.ServiceName
	if err := healthy(context.Background(), hs, name); err == nil {
		t.Error("a service whose status is unknown to the health service: want not ready")
	}
	hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	if err := healthy(context.Background(), hs, name); err != nil {
		t.Errorf("SERVING: %v", err)
	}
	hs.Shutdown()
	if err := healthy(context.Background(), hs, name); err == nil {
		t.Error("after Shutdown: want not ready")
	}
}
