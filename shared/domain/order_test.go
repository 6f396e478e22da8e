package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func order(status domain.OrderStatus, items ...domain.ItemStatus) domain.Order {
	o := domain.Order{OrderID: domain.NewID(), Status: status}
	for i, st := range items {
		o.Items = append(o.Items, domain.OrderItem{ItemID: domain.NewID(), ProductID: string(rune('a' + i)), Quantity: 2, UnitPrice: 150, Status: st})
	}
	return o
}

func TestOrder_Confirm(t *testing.T) {
	tests := []struct {
		name        string
		o           domain.Order
		wantStatus  domain.OrderStatus
		wantChanged bool
		wantCode    domain.Code
	}{
		{"confirms an open order whose items are all reserved", order(domain.OrderOpen, domain.ItemReserved, domain.ItemCanceled), domain.OrderConfirmed, true, ""},
		{"refuses an order without items", order(domain.OrderOpen), domain.OrderOpen, false, domain.CodeConflict},
		{"refuses an order whose items are all cancelled", order(domain.OrderOpen, domain.ItemCanceled), domain.OrderOpen, false, domain.CodeConflict},
		{"refuses a rejected item", order(domain.OrderOpen, domain.ItemReserved, domain.ItemRejected), domain.OrderOpen, false, domain.CodeConflict},
		{"refuses a pending item", order(domain.OrderOpen, domain.ItemPending), domain.OrderOpen, false, domain.CodeConflict},
		{"resumes a confirmed order without change", order(domain.OrderConfirmed, domain.ItemReserved), domain.OrderConfirmed, false, ""},
		{"resumes a shipped order without change", order(domain.OrderShipped, domain.ItemReserved), domain.OrderShipped, false, ""},
		{"refuses a completed order", order(domain.OrderCompleted, domain.ItemReserved), domain.OrderCompleted, false, domain.CodeConflict},
		{"refuses a cancelled order", order(domain.OrderCanceled, domain.ItemCanceled), domain.OrderCanceled, false, domain.CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed, err := tt.o.Confirm(now)
			if got := codeOf(err); got != tt.wantCode {
				t.Fatalf("got error %v, want code %q", err, tt.wantCode)
			}
			if tt.o.Status != tt.wantStatus || changed != tt.wantChanged {
				t.Errorf("got %s changed=%v, want %s changed=%v", tt.o.Status, changed, tt.wantStatus, tt.wantChanged)
			}
		})
	}
}

func codeOf(err error) domain.Code {
	if err == nil {
		return ""
	}
	return domain.ErrorCode(err)
}

func TestOrder_Cancel(t *testing.T) {
	t.Run("cancels an open order and every item", func(t *testing.T) {
		o := order(domain.OrderOpen, domain.ItemReserved, domain.ItemRejected)
		o.Recalculate()
		if err := o.Cancel(now); err != nil {
			t.Fatal(err)
		}
		for _, it := range o.Items {
			if it.Status != domain.ItemCanceled {
				t.Errorf("item: got %s, want CANCELED", it.Status)
			}
		}
		if o.Total != 0 || o.Status != domain.OrderCanceled {
			t.Errorf("got %s total %d, want CANCELED total 0", o.Status, o.Total)
		}
	})
	for _, st := range []domain.OrderStatus{domain.OrderConfirmed, domain.OrderShipped, domain.OrderCompleted, domain.OrderCanceled} {
		t.Run("refuses a "+string(st)+" order", func(t *testing.T) {
			o := order(st, domain.ItemReserved)
			if err := o.Cancel(now); codeOf(err) != domain.CodeConflict || o.Status != st {
				t.Errorf("got %v and %s, want a conflict and no change", err, o.Status)
			}
		})
	}
}

func TestOrder_Advance(t *testing.T) {
	o := order(domain.OrderConfirmed, domain.ItemReserved)
	if _, err := o.MarkCompleted(now); codeOf(err) != domain.CodeConflict {
		t.Errorf("completing a confirmed order: got %v, want a conflict", err)
	}
	if changed, err := o.MarkShipped(now); err != nil || !changed {
		t.Fatalf("ship: got %v %v", changed, err)
	}
	if changed, err := o.MarkShipped(now); err != nil || changed {
		t.Errorf("shipping twice: got changed=%v err=%v, want a no-op", changed, err)
	}
	if changed, err := o.MarkCompleted(now); err != nil || !changed || o.Status != domain.OrderCompleted {
		t.Errorf("complete: got %v %v %s", changed, err, o.Status)
	}
}

func TestOrder_Items(t *testing.T) {
	o := order(domain.OrderOpen, domain.ItemReserved, domain.ItemCanceled)
	if err := o.CheckAddItem("a"); codeOf(err) != domain.CodeConflict {
		t.Errorf("adding a product already in the order: got %v, want a conflict", err)
	}
	if err := o.CheckAddItem("b"); err != nil {
		t.Errorf("adding a product whose item was cancelled: got %v, want nil", err)
	}
	if _, err := o.CheckRemoveItem(domain.NewID()); codeOf(err) != domain.CodeNotFound {
		t.Errorf("removing an unknown item: got %v, want not found", err)
	}
	pending := order(domain.OrderOpen, domain.ItemPending)
	id := pending.Items[0].ItemID
	if !pending.SetItemOutcome(id, "r1", domain.ItemReserved, now) || pending.Total != 300 {
		t.Errorf("outcome: got total %d, want 300", pending.Total)
	}
	if pending.SetItemOutcome(id, "r2", domain.ItemRejected, now) {
		t.Error("a second outcome for the same item changed it")
	}
	shipped := order(domain.OrderShipped, domain.ItemReserved)
	if err := shipped.CheckAddItem("z"); codeOf(err) != domain.CodeConflict {
		t.Errorf("adding to a shipped order: got %v, want a conflict", err)
	}
	if _, err := shipped.CheckRemoveItem(shipped.Items[0].ItemID); codeOf(err) != domain.CodeConflict {
		t.Errorf("removing from a shipped order: got %v, want a conflict", err)
	}
}

func TestOrder_CheckAddItem_bounds(t *testing.T) {
	o := domain.Order{OrderID: "o", Status: domain.OrderOpen}
	for i := range domain.MaxLiveItems {
		o.Items = append(o.Items, domain.OrderItem{ItemID: fmt.Sprint(i), ProductID: fmt.Sprint("p", i), Status: domain.ItemReserved})
	}
	if err := o.CheckAddItem("new"); codeOf(err) != domain.CodeConflict || !strings.Contains(err.Error(), "100 items") {
		t.Errorf("the 101st live item: got %v, want a 409 that says 100", err)
	}
	o.Items[0].Status = domain.ItemCanceled
	if err := o.CheckAddItem("new"); err != nil {
		t.Errorf("after one removal: got %v, want nil", err)
	}
	for len(o.Items) < domain.MaxItems {
		o.Items = append(o.Items, domain.OrderItem{ItemID: fmt.Sprint("c", len(o.Items)), ProductID: "again", Status: domain.ItemCanceled})
	}
	if err := o.CheckAddItem("new"); codeOf(err) != domain.CodeConflict || !strings.Contains(err.Error(), "CANCELED ones included") {
		t.Errorf("the 201st item: got %v, want a 409 on the cancelled items too", err)
	}
}
