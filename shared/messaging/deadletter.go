package messaging

import (
	"context"
	"fmt"
	"maps"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The headers a dead-lettered message carries, besides its own.
const (
	HeaderError    = "x-lab-error"    // why it was dead-lettered
	HeaderAttempts = "x-lab-attempts" // how many times it was tried (int32)
	HeaderQueue    = "x-lab-queue"    // the queue it came from
)

// maxReasonLen bounds the reason kept in a dead letter's header.
const maxReasonLen = 1000

// deadLetter moves a delivery that cannot be handled to the consumer's
// dead-letter exchange: a copy with the reason in its headers is published and
// confirmed, then the original is acked, so the queue goes on with the next
// message. When the copy is not confirmed the original is rejected instead, and
// the broker dead-letters it itself (with its x-death header, without the reason).
func (c *Consumer) deadLetter(ctx context.Context, s *session, d amqp.Delivery, cause error, attempts int) error {
	c.log.Warn("dead-lettering message", "id", d.MessageId, "type", d.Type, "attempts", attempts, "err", cause)
	if err := c.publishDeadLetter(ctx, s, d, cause, attempts); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: the broker delivers it again later
		}
		c.log.Error("publish dead letter; rejecting the message instead", "id", d.MessageId, "err", err)
		if err := d.Nack(false, false); err != nil {
			return fmt.Errorf("reject message %s: %w", d.MessageId, err)
		}
		return nil
	}
	if err := d.Ack(false); err != nil {
		return fmt.Errorf("ack dead-lettered message %s: %w", d.MessageId, err)
	}
	return nil
}

func (c *Consumer) publishDeadLetter(ctx context.Context, s *session, d amqp.Delivery, cause error, attempts int) error {
	headers := amqp.Table{}
	maps.Copy(headers, d.Headers)
	reason := cause.Error()
	if len(reason) > maxReasonLen {
		reason = reason[:maxReasonLen]
	}
	headers[HeaderError] = reason
	headers[HeaderAttempts] = int32(attempts)
	headers[HeaderQueue] = c.queue
	msg := amqp.Publishing{
		Headers: headers, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding,
		DeliveryMode: amqp.Persistent, MessageId: d.MessageId, Type: d.Type, Timestamp: d.Timestamp,
		AppId: d.AppId, Body: d.Body,
	}
	dc, err := s.ch.PublishWithDeferredConfirmWithContext(ctx, c.names.DeadLetterExchange(c.service),
		d.RoutingKey, false, false, msg)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	acked, err := dc.WaitContext(wctx)
	if err != nil {
		return err
	}
	if !acked {
		return fmt.Errorf("broker refused the dead letter")
	}
	return nil
}
