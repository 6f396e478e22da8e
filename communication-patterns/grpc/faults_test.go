package grpc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	labv1 "github.com/microservice-patterns/lab/shared/proto/lab/v1"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// TestConfirm_billingDown: with billing stopped after shipping succeeded,
// confirm answers 503, the order stays SHIPPED with its one shipment, and
// confirming again once billing is back completes it with one invoice.
func TestConfirm_billingDown(t *testing.T) {
	s, st := acceptance.Start(t, app.MustCompose(Base), acceptance.Options{})
	o := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(o.OrderID, warehouse.Seed[3].ProductID, 2)

	if err := st.StopService("billing"); err != nil {
		t.Fatal(err)
	}
	r := s.TryConfirm(o.OrderID)
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("confirm with billing down: got %d %s, want 503", r.Status, r.Body)
	}
	if got := s.Order(o.OrderID).Status; got != domain.OrderShipped {
		t.Errorf("order after billing failed: got %s, want SHIPPED", got)
	}
	if n := len(s.Shipments(o.OrderID)); n != 1 {
		t.Errorf("shipments: got %d, want 1", n)
	}

	if err := st.StartService("billing"); err != nil {
		t.Fatal(err)
	}
	// ordering's connection to billing comes back within its reconnect
	// backoff (at most reconnectMax); until then a confirm is another 503.
	var again acceptance.Response
	acceptance.Eventually(t, 10*time.Second, "a confirm once billing is back", func() bool {
		again = s.TryConfirm(o.OrderID)
		return again.Status != http.StatusServiceUnavailable
	})
	var done domain.Order
	if err := json.Unmarshal([]byte(again.Body), &done); err != nil || again.Status != http.StatusOK || done.Status != domain.OrderCompleted {
		t.Errorf("confirm again: got %d %s, want 200 and COMPLETED", again.Status, again.Body)
	}
	if n := len(s.Invoices(o.OrderID)); n != 1 {
		t.Errorf("invoices: got %d, want 1", n)
	}
	s.CheckInvariants()
}

// TestAddItem_warehouseSlow: a warehouse slower than the per-call deadline
// makes adding an item a 504 that changes nothing; once it is fast again the
// same item goes in.
func TestAddItem_warehouseSlow(t *testing.T) {
	l := acceptance.StartLab(t, Base.Name, "warehouse", map[string]string{"LAB_HTTP_TIMEOUT": "300ms"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.SetFaults(faults.Settings{LatencyMs: 5000})
	l.AddFails(o.OrderID, warehouse.Seed[0].ProductID, http.StatusGatewayTimeout)
	l.SetFaults(faults.Settings{})
	l.AddItem(o.OrderID, warehouse.Seed[0].ProductID, 1)
	l.CheckInvariants()
}

// TestServices_speakGRPC: each service answers the standard health service
// over gRPC on its one port, its /readyz reports it, and the /internal/
// routes of rest are gone.
func TestServices_speakGRPC(t *testing.T) {
	_, st := acceptance.Start(t, app.MustCompose(Base), acceptance.Options{})
	names := map[string]string{"customers": labv1.Customers_ServiceDesc.ServiceName, "ordering": labv1.Ordering_ServiceDesc.ServiceName,
		"warehouse": labv1.Warehouse_ServiceDesc.ServiceName, "shipping": labv1.Shipping_ServiceDesc.ServiceName,
		"billing": labv1.Billing_ServiceDesc.ServiceName}
	for svc, base := range st.Services {
		u, _ := url.Parse(base)
		cc, err := grpclib.NewClient("passthrough:///"+u.Host, grpclib.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		resp, err := healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{Service: names[svc]})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("%s: gRPC health of %s: %v %v, want SERVING", svc, names[svc], resp.GetStatus(), err)
		}
		var ready struct {
			Checks map[string]string `json:"checks"`
		}
		if err := getJSON(base+"/readyz", &ready); err != nil || ready.Checks["grpc"] != "ok" {
			t.Errorf("%s: /readyz checks %v (%v): want grpc ok", svc, ready.Checks, err)
		}
	}
	resp, err := http.Post(st.Services["warehouse"]+"/internal/reservations", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /internal/reservations over HTTP: got %d, want 404", resp.StatusCode)
	}
}

func getJSON(u string, out any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}
