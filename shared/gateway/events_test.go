package gateway

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestEventStream streams an event published to the variant's exchange as a
// Server-Sent Event, with keep-alive comments, and ends the tap with the stream.
func TestEventStream(t *testing.T) {
	url := testenv.Config().AMQPURL
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(3 * time.Second)})
	testenv.Require(t, "RabbitMQ", err)
	defer conn.Close()
	names := testNames(t, url)
	gw := mustGateway(t, servers{}, WithEvents(&EventStream{URL: url, Names: names, KeepAlive: 50 * time.Millisecond}))

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, gw.URL+"/api/lab/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("got %d %q, want 200 text/event-stream", resp.StatusCode, ct)
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Scan() // the opening comment: the tap is bound from here on
	ev, err := messaging.NewEvent("/ordering", messaging.OrderCreated, "o-1", map[string]string{"orderId": "o-1"})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, conn, names, ev)
	got := map[string]string{}
	keepAlive := false
	for lines.Scan() && (got["data"] == "" || !keepAlive) {
		line := lines.Text()
		if line == ": keep-alive" {
			keepAlive = true
		}
		if k, v, ok := strings.Cut(line, ": "); ok && k != "" {
			got[k] = v
		}
	}
	body, _ := ev.Marshal()
	if got["event"] != messaging.OrderCreated || got["id"] != ev.ID || got["data"] != string(body) || !keepAlive {
		t.Errorf("got %v (keep-alive %v), want the event as SSE and a keep-alive comment", got, keepAlive)
	}
}

func TestEventStream_brokerDown(t *testing.T) {
	names, _ := messaging.NewNames("gateway-test", "")
	gw := mustGateway(t, servers{}, WithEvents(&EventStream{URL: "amqp://guest:guest@" + strings.TrimPrefix(closedURL(t), "http://") + "/", Names: names}))
	resp, body := do(t, http.MethodGet, gw.URL+"/api/lab/events", nil)
	mustProblem(t, resp, body, http.StatusServiceUnavailable)
}

func publish(t *testing.T, conn *amqp.Connection, names messaging.Names, ev messaging.Event) {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := ev.Marshal()
	if err := ch.PublishWithContext(t.Context(), names.Exchange(), ev.Type, false, false,
		amqp.Publishing{ContentType: messaging.ContentType, MessageId: ev.ID, Type: ev.Type, Body: body}); err != nil {
		t.Fatal(err)
	}
}

// Twenty streams share one tap (one broker connection); one more than the cap is 503.
func TestEventStream_oneTapForAllStreams(t *testing.T) {
	url := testenv.Config().AMQPURL
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(3 * time.Second)})
	testenv.Require(t, "RabbitMQ", err)
	conn.Close()
	names := testNames(t, url)
	es := &EventStream{URL: url, Names: names, MaxSubscribers: 20}
	gw := mustGateway(t, servers{}, WithEvents(es))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for i := range 20 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, gw.URL+"/api/lab/events", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: got %d", i, resp.StatusCode)
		}
		bufio.NewReader(resp.Body).ReadString('\n')
	}
	if n := es.Taps(); n != 1 {
		t.Errorf("20 streams opened %d taps, want 1", n)
	}
	resp, body := do(t, http.MethodGet, gw.URL+"/api/lab/events", nil)
	mustProblem(t, resp, body, http.StatusServiceUnavailable)
}

// testNames returns broker names of a run of its own, torn down after the test.
func testNames(t *testing.T, url string) messaging.Names {
	t.Helper()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	names, err := messaging.NewNames("gateway-test", "r"+hex.EncodeToString(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = messaging.Teardown(url, names) })
	return names
}
