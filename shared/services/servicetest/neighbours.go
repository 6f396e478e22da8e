// Package servicetest holds fakes that the services' unit tests share.
package servicetest

import (
	"context"
	"sync"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Neighbours fakes the ordering and customers services that shipping and billing
// read from. A non-nil error field makes that call fail.
type Neighbours struct {
	mu                    sync.Mutex
	Orders                map[string]domain.Order
	Customers             map[string]domain.Customer
	OrderErr, CustomerErr error
	orderCalls            int
}

// Order answers the order with the id, or a CodeNotFound error.
func (n *Neighbours) Order(_ context.Context, id string) (domain.Order, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.orderCalls++
	if n.OrderErr != nil {
		return domain.Order{}, n.OrderErr
	}
	o, ok := n.Orders[id]
	if !ok {
		return domain.Order{}, domain.Errorf(domain.CodeNotFound, "no order %s", id)
	}
	return o, nil
}

// Customer answers the customer with the id, or a CodeNotFound error.
func (n *Neighbours) Customer(_ context.Context, id string) (domain.Customer, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.CustomerErr != nil {
		return domain.Customer{}, n.CustomerErr
	}
	c, ok := n.Customers[id]
	if !ok {
		return domain.Customer{}, domain.Errorf(domain.CodeNotFound, "no customer %s", id)
	}
	return c, nil
}

// OrderCalls counts the calls of Order.
func (n *Neighbours) OrderCalls() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.orderCalls
}
