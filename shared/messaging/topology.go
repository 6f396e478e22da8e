package messaging

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// declareExchange declares the variant's durable topic exchange. Declaring is
// idempotent, so every process declares what it uses when it (re)connects.
func declareExchange(ch *amqp.Channel, n Names) error {
	if err := ch.ExchangeDeclare(n.Exchange(), amqp.ExchangeTopic, true, n.run != "", false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", n.Exchange(), err)
	}
	return nil
}

// declareConsumer declares the exchange, the service's durable queue bound to
// each event type it handles, and its dead-letter exchange and queue. The queue
// names the dead-letter exchange as its own, so a message the broker rejects
// (or one nacked without requeue) lands there too.
//
// A run's names (with a run id) carry the safety net: the queues an expiry
// (x-expires) and the exchanges auto-delete, so the broker removes them once
// their queues are gone. The named topology keeps the arguments it always had:
// a queue declared again with other arguments is refused (PRECONDITION_FAILED).
func declareConsumer(ch *amqp.Channel, n Names, service string, types []string) error {
	if err := declareExchange(ch, n); err != nil {
		return err
	}
	dlx, dlq, queue := n.DeadLetterExchange(service), n.DeadLetterQueue(service), n.Queue(service)
	if err := ch.ExchangeDeclare(dlx, amqp.ExchangeFanout, true, n.run != "", false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", dlx, err)
	}
	if _, err := ch.QueueDeclare(dlq, true, false, false, false, n.queueArgs(n.expiry.DeadLetter, nil)); err != nil {
		return fmt.Errorf("declare queue %s: %w", dlq, err)
	}
	if err := ch.QueueBind(dlq, "", dlx, false, nil); err != nil {
		return fmt.Errorf("bind %s: %w", dlq, err)
	}
	args := n.queueArgs(n.expiry.Queue, amqp.Table{"x-dead-letter-exchange": dlx})
	if _, err := ch.QueueDeclare(queue, true, false, false, false, args); err != nil {
		return fmt.Errorf("declare queue %s: %w", queue, err)
	}
	for _, t := range types {
		if err := ch.QueueBind(queue, t, n.Exchange(), false, nil); err != nil {
			return fmt.Errorf("bind %s to %s: %w", queue, t, err)
		}
	}
	return nil
}

// queueArgs adds a run's expiry to args; the named topology gets args as they are.
func (n Names) queueArgs(expiry time.Duration, args amqp.Table) amqp.Table {
	if n.run == "" || expiry <= 0 {
		return args
	}
	out := amqp.Table{"x-expires": expiry.Milliseconds()}
	for k, v := range args {
		out[k] = v
	}
	return out
}

// Declare connects to the broker at url and declares the exchange and the
// service's queue (bound to types) with its dead letters, as a Consumer does when
// it starts. Messages published from then on wait in the queue for the service.
func Declare(url string, n Names, service string, types []string) error {
	if err := checkService(service); err != nil {
		return err
	}
	return withChannel(url, n.connectionName("declare"), func(ch *amqp.Channel) error {
		return declareConsumer(ch, n, service, types)
	})
}

// Teardown deletes the exchange of n and the queues and dead-letter exchanges of
// the services, dead letters included; tests call it when they end. Names that
// do not exist are no error.
func Teardown(url string, n Names, services ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := TeardownRun(ctx, url, n, services, false)
	return err
}

// withChannel runs fn on a channel of a short-lived connection.
func withChannel(url, name string, fn func(ch *amqp.Channel) error) error {
	s, err := openSession(url, name)
	if err != nil {
		return err
	}
	defer s.close()
	return fn(s.ch)
}
