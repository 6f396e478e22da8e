package messaging

import (
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// declareExchange declares the variant's durable topic exchange. Declaring is
// idempotent, so every process declares what it uses when it (re)connects.
func declareExchange(ch *amqp.Channel, n Names) error {
	if err := ch.ExchangeDeclare(n.Exchange(), amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", n.Exchange(), err)
	}
	return nil
}

// declareConsumer declares the exchange, the service's durable queue bound to
// each event type it handles, and its dead-letter exchange and queue. The queue
// names the dead-letter exchange as its own, so a message the broker rejects
// (or one nacked without requeue) lands there too.
func declareConsumer(ch *amqp.Channel, n Names, service string, types []string) error {
	if err := declareExchange(ch, n); err != nil {
		return err
	}
	dlx, dlq, queue := n.DeadLetterExchange(service), n.DeadLetterQueue(service), n.Queue(service)
	if err := ch.ExchangeDeclare(dlx, amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", dlx, err)
	}
	if _, err := ch.QueueDeclare(dlq, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare queue %s: %w", dlq, err)
	}
	if err := ch.QueueBind(dlq, "", dlx, false, nil); err != nil {
		return fmt.Errorf("bind %s: %w", dlq, err)
	}
	args := amqp.Table{"x-dead-letter-exchange": dlx}
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
// the services; tests call it when they end. Names that do not exist are no error.
func Teardown(url string, n Names, services ...string) error {
	return withChannel(url, n.connectionName("teardown"), func(ch *amqp.Channel) error {
		var errs []error
		for _, s := range services {
			for _, q := range []string{n.Queue(s), n.DeadLetterQueue(s)} {
				if _, err := ch.QueueDelete(q, false, false, false); err != nil {
					errs = append(errs, fmt.Errorf("delete queue %s: %w", q, err))
				}
			}
			if err := ch.ExchangeDelete(n.DeadLetterExchange(s), false, false); err != nil {
				errs = append(errs, fmt.Errorf("delete exchange %s: %w", n.DeadLetterExchange(s), err))
			}
		}
		if err := ch.ExchangeDelete(n.Exchange(), false, false); err != nil {
			errs = append(errs, fmt.Errorf("delete exchange %s: %w", n.Exchange(), err))
		}
		return errors.Join(errs...)
	})
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
