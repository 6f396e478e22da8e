package domain

import (
	"net/mail"
	"strings"
	"time"
)

// Customer is a person who places orders.
type Customer struct {
	CustomerID string    `json:"customerId"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Address    string    `json:"address"`
	CreatedAt  time.Time `json:"createdAt"`
}

// NewCustomer is the input of a customer creation.
type NewCustomer struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Address string `json:"address"`
}

// Validate trims the fields and checks them.
func (n *NewCustomer) Validate() error {
	n.Name, n.Email, n.Address = strings.TrimSpace(n.Name), strings.TrimSpace(n.Email), strings.TrimSpace(n.Address)
	var v validator
	v.check(n.Name != "" && len(n.Name) <= 200, "name", "is required, at most 200 characters")
	v.check(validEmail(n.Email), "email", "must be an email address")
	v.check(n.Address != "" && len(n.Address) <= 500, "address", "is required, at most 500 characters")
	return v.err()
}

func validEmail(s string) bool {
	if s == "" || len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
