// Package messaging carries the lab's events over RabbitMQ without losing or
// repeating an effect.
//
// A service writes an event to its transactional outbox in the same database
// transaction as the state change (Outbox.Publish, AddToOutbox); a Relay
// publishes the outbox rows in order, persistent, with publisher confirms, and
// marks a row sent only once the broker has confirmed it. A Consumer receives the
// events of its queue with manual acks and a bounded prefetch, runs the handler
// and records the event id in the inbox in one transaction, so a redelivered or
// duplicated event has one effect; transient failures are retried with backoff
// and what cannot be handled is dead-lettered with the reason in its headers.
// Relay, Consumer and Tap reconnect with backoff when the broker goes away.
//
// Events are CloudEvents 1.0 JSON documents (Event); the AMQP properties repeat
// the id, type and time, and the headers carry the W3C trace context.
package messaging
