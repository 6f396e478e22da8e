package messaging

import (
	"reflect"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestQueueArgs: only a run's queues get an expiry; the named topology's
// arguments stay exactly as they were, or the broker would refuse its declare.
func TestQueueArgs(t *testing.T) {
	named, _ := NewNames("event-notification", "")
	run, _ := NewNames("event-notification", "smoke-1")
	dlx := amqp.Table{"x-dead-letter-exchange": "lab.event-notification.billing.dlx"}
	for _, c := range []struct {
		name   string
		n      Names
		expiry time.Duration
		args   amqp.Table
		want   amqp.Table
	}{
		{"named queue", named, time.Hour, dlx, dlx},
		{"named dead-letter queue", named, time.Hour, nil, nil},
		{"run queue", run, time.Hour, dlx, amqp.Table{"x-dead-letter-exchange": "lab.event-notification.billing.dlx", "x-expires": int64(3_600_000)}},
		{"run dead-letter queue", run, DefaultRunExpiry.DeadLetter, nil, amqp.Table{"x-expires": int64(604_800_000)}},
		{"run without expiry", run, 0, dlx, dlx},
	} {
		if got := c.n.queueArgs(c.expiry, c.args); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if len(dlx) != 1 {
		t.Errorf("queueArgs changed its argument: %v", dlx)
	}
}
