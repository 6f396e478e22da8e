package domain_test

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
)

func TestReservation_Transition(t *testing.T) {
	tests := []struct {
		from, to                  domain.ReservationStatus
		wantChanged, wantReleases bool
		wantCode                  domain.Code
	}{
		{domain.ReservationReserved, domain.ReservationConfirmed, true, false, ""},
		{domain.ReservationReserved, domain.ReservationCanceled, true, true, ""},
		{domain.ReservationRejected, domain.ReservationCanceled, true, false, ""},
		{domain.ReservationRejected, domain.ReservationConfirmed, false, false, domain.CodeConflict},
		{domain.ReservationConfirmed, domain.ReservationConfirmed, false, false, ""},
		{domain.ReservationCanceled, domain.ReservationCanceled, false, false, ""},
		{domain.ReservationConfirmed, domain.ReservationCanceled, false, false, domain.CodeConflict},
		{domain.ReservationCanceled, domain.ReservationConfirmed, false, false, domain.CodeConflict},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+" to "+string(tt.to), func(t *testing.T) {
			r := domain.Reservation{ReservationID: "r", Status: tt.from}
			changed, releases, err := r.Transition(tt.to, now)
			if codeOf(err) != tt.wantCode || changed != tt.wantChanged || releases != tt.wantReleases {
				t.Errorf("got changed=%v releases=%v err=%v, want %v %v %q", changed, releases, err, tt.wantChanged, tt.wantReleases, tt.wantCode)
			}
			if err != nil && r.Status != tt.from {
				t.Errorf("a refused move changed the state to %s", r.Status)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		in        interface{ Validate() error }
		wantField string
	}{
		{"a valid customer", &domain.NewCustomer{Name: " Ada ", Email: "ada@example.com", Address: "London"}, ""},
		{"a customer without name", &domain.NewCustomer{Email: "ada@example.com", Address: "London"}, "name"},
		{"a customer with a display-name email", &domain.NewCustomer{Name: "A", Email: "Ada <ada@example.com>", Address: "L"}, "email"},
		{"a valid product", &domain.NewProduct{Code: "X", Name: "x", Stock: 0, Price: 0, Currency: "EUR"}, ""},
		{"a product in dollars", &domain.NewProduct{Code: "X", Name: "x", Stock: 1, Price: 1, Currency: "USD"}, "currency"},
		{"a product with a negative price", &domain.NewProduct{Code: "X", Name: "x", Stock: 1, Price: -1, Currency: "EUR"}, "price"},
		{"an order for a malformed customer id", &domain.NewOrder{CustomerID: "1"}, "customerId"},
		{"an item of 1000", domain.NewItem{ProductID: domain.NewID(), Quantity: 1000}, ""},
		{"an item of 0", domain.NewItem{ProductID: domain.NewID(), Quantity: 0}, "quantity"},
		{"an uppercase UUID", domain.NewItem{ProductID: "6F9619FF-8B86-D011-B42D-00C04FC964FF", Quantity: 1}, "productId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			var fields []domain.FieldError
			if de, ok := err.(*domain.Error); ok {
				fields = de.Fields
			}
			if len(fields) == 0 || fields[0].Field != tt.wantField {
				t.Errorf("got %v, want an error on %q", err, tt.wantField)
			}
		})
	}
}
