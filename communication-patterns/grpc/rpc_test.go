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

func (f *fakeWarehouse) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.deadlines)
}

// serveFake serves fake as the warehouse's gRPC server on a service engine
// of its own, on a loopback port that speaks HTTP/1.1 and h2c, until the
// test ends or stop is called; it answers the server's base URL.
func serveFake(t *testing.T, fake *fakeWarehouse) (base string, stop func()) {
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
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

// clientOf returns ordering's client of the warehouse instances at bases,
// whose per-call deadline is timeout.
func clientOf(t *testing.T, timeout time.Duration, bases ...string) warehouseClient {
	t.Helper()
	d := app.Deps{Config: config.Service{Name: "ordering", HTTPTimeout: timeout,
		URLs: config.URLs{Warehouse: bases[0]}, Instances: map[string][]string{"warehouse": bases}}}
	cc, err := dial(d, "warehouse")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return warehouseClient{labv1.NewWarehouseClient(cc)}
}

// startFake serves fake and returns a client of it whose per-call deadline
// is timeout.
func startFake(t *testing.T, fake *fakeWarehouse, timeout time.Duration) warehouseClient {
	t.Helper()
	base, _ := serveFake(t, fake)
	return clientOf(t, timeout, base)
}

// TestCallsBalanceOverInstances: with two instances of the callee, calls go
// to both; once one stops, every call goes to the other.
func TestCallsBalanceOverInstances(t *testing.T) {
	first, second := &fakeWarehouse{}, &fakeWarehouse{}
	a, _ := serveFake(t, first)
	b, stopSecond := serveFake(t, second)
	c := clientOf(t, 5*time.Second, a, b)
	ctx := context.Background()
	// The balancer uses an instance once its connection is up: the first
	// calls may all go to the one that connected first.
	deadline := time.Now().Add(5 * time.Second)
	for first.calls() == 0 || second.calls() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("5 s of calls: %d to the first instance, %d to the second; want both to serve", first.calls(), second.calls())
		}
		if _, err := c.ConfirmReservation(ctx, domain.NewID()); err != nil {
			t.Fatal(err)
		}
	}
	// Both are connected: the calls alternate.
	a0, b0 := first.calls(), second.calls()
	for range 20 {
		if _, err := c.ConfirmReservation(ctx, domain.NewID()); err != nil {
			t.Fatal(err)
		}
	}
	if first.calls()-a0 != 10 || second.calls()-b0 != 10 {
		t.Errorf("20 calls to two connected instances: %d and %d, want 10 each", first.calls()-a0, second.calls()-b0)
	}
	stopSecond()
	// The balancer learns that the second instance went (its server says
	// so as it shuts down); a call that raced that may fail, as a call to a
	// stopping callee does, and a retry pattern is there for it.
	before := second.calls()
	deadline = time.Now().Add(10 * time.Second)
	for inARow := 0; inARow < 20; {
		if time.Now().After(deadline) {
			t.Fatalf("calls still failed 10 s after the second instance stopped")
		}
		if _, err := c.ConfirmReservation(ctx, domain.NewID()); err != nil {
			inARow = 0
			time.Sleep(10 * time.Millisecond)
			continue
		}
		inARow++
	}
	if second.calls() != before {
		t.Errorf("the stopped instance served %d calls more", second.calls()-before)
	}
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
