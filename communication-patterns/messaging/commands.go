package messaging

import (
	"context"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	broker "github.com/microservice-patterns/lab/shared/messaging"
)

// A command is a message of type "command.<name>": its routing key binds it to
// the queue of the one service that performs it. A reply is a message of the
// type its command names as replyTo: the routing key of ordering's own queue.
const (
	commandPrefix = "command."
	// ReserveStock is the command of an added item; the warehouse answers with its reservation.
	ReserveStock = "reserve-stock"
	// Replies is where ordering's commands ask to be answered: its queue is bound to it.
	Replies = "reply.ordering"
)

// receivers names the service that performs each command.
var receivers = map[string]string{
	ReserveStock:               "warehouse",
	string(ConfirmReservation): "warehouse",
	string(ReleaseReservation): "warehouse",
	string(CreateShipment):     "shipping",
	string(CancelShipment):     "shipping",
	string(IssueInvoice):       "billing",
}

// commandType is the message type (and routing key) of a command.
func commandType(name string) string { return commandPrefix + name }

// Command is the data of a command message.
type Command struct {
	OrderID string `json:"orderId"`
	// CorrelationID ties the reply to the step that asked: <orderId>/<command>.
	CorrelationID string `json:"correlationId"`
	// ReplyTo is the routing key of the reply; none for a command no one waits on.
	ReplyTo string `json:"replyTo,omitempty"`
	// ExpiresAt is when the sender stops waiting: a receiver drops a command it
	// gets later, for the sender has sent it again or compensated meanwhile.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// ItemID is the item of reserve-stock, or of a release of one item.
	ItemID    string `json:"itemId,omitempty"`
	ProductID string `json:"productId,omitempty"`
	Quantity  int    `json:"quantity,omitempty"`
	// Order is what shipping and billing need of the order (create-shipment, issue-invoice).
	Order *domain.Order `json:"order,omitempty"`
}

// Reply is the data of a reply message.
type Reply struct {
	OrderID       string  `json:"orderId"`
	CorrelationID string  `json:"correlationId"`
	Command       string  `json:"command"`
	Outcome       Outcome `json:"outcome"`
	Reason        string  `json:"reason,omitempty"`
	// Reservation is the warehouse's answer to reserve-stock.
	Reservation *domain.Reservation `json:"reservation,omitempty"`
}

// correlation is the correlation id of a command of the order.
func correlation(orderID, command string) string { return orderID + "/" + command }

// send writes a command to the outbox, in the transaction ctx carries, so it
// goes out if and only if the state change that called for it commits.
func send(ctx context.Context, out broker.Publisher, name string, c Command) error {
	c.CorrelationID = correlation(c.OrderID, name)
	ev, err := broker.NewEvent("/ordering", commandType(name), c.OrderID, c)
	if err != nil {
		return err
	}
	return out.Publish(ctx, ev)
}

// answer writes the reply to a command to the outbox of the receiver, in the
// transaction of the command's effect; a command without replyTo gets none.
func answer(ctx context.Context, out broker.Publisher, source string, c Command, r Reply) error {
	if c.ReplyTo == "" {
		return nil
	}
	r.OrderID, r.CorrelationID = c.OrderID, c.CorrelationID
	ev, err := broker.NewEvent(source, c.ReplyTo, c.OrderID, r)
	if err != nil {
		return err
	}
	return out.Publish(ctx, ev)
}
