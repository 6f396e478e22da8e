package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// enableManagement is the one line that says how to get the management API.
const enableManagement = "enable it with: rabbitmq-plugins enable rabbitmq_management"

// management is a client of RabbitMQ's management HTTP API, on the host of
// AMQP_URL, port 15672 (15671 for amqps), with AMQP_URL's user and vhost.
type management struct {
	base        string // http://host:15672
	user, pass  string
	vhost       string
	http        *http.Client
	errNoPlugin error // what to say when the API does not answer
}

// newManagement derives the management API from an AMQP URL.
func newManagement(amqpURL string) (*management, error) {
	u, err := amqp.ParseURI(amqpURL)
	if err != nil {
		return nil, fmt.Errorf("AMQP_URL: %w", err)
	}
	scheme, port := "http", "15672"
	if u.Scheme == "amqps" {
		scheme, port = "https", "15671"
	}
	base := scheme + "://" + net.JoinHostPort(u.Host, port)
	return &management{base: base, user: u.Username, pass: u.Password, vhost: u.Vhost,
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}}, nil
}

// apiQueue is a queue as GET /api/queues/{vhost} lists it.
type apiQueue struct {
	Name      string         `json:"name"`
	Messages  int            `json:"messages"`
	Consumers int            `json:"consumers"`
	Arguments map[string]any `json:"arguments"`
}

// apiExchange is an exchange as GET /api/exchanges/{vhost} lists it.
type apiExchange struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	AutoDelete bool   `json:"auto_delete"`
}

func (m *management) queues(ctx context.Context) ([]apiQueue, error) {
	var qs []apiQueue
	return qs, m.get(ctx, "/api/queues/"+url.PathEscape(m.vhost)+"?columns=name,messages,consumers,arguments", &qs)
}

func (m *management) exchanges(ctx context.Context) ([]apiExchange, error) {
	var xs []apiExchange
	return xs, m.get(ctx, "/api/exchanges/"+url.PathEscape(m.vhost)+"?columns=name,type,auto_delete", &xs)
}

// get decodes the answer of one GET into out.
func (m *management) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.base+path, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(m.user, m.pass)
	resp, err := m.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("RabbitMQ's management API does not answer at %s (%v); %s", m.base, shortErr(err), enableManagement)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("RabbitMQ's management API at %s refuses user %q (%s): the user needs the management tag", m.base, m.user, resp.Status)
	case http.StatusNotFound:
		return fmt.Errorf("RabbitMQ's management API at %s: no vhost %q (%s)", m.base, m.vhost, resp.Status)
	default:
		return fmt.Errorf("RabbitMQ's management API at %s answered %s to GET %s", m.base, resp.Status, path)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("RabbitMQ's management API at %s: read %s: %w", m.base, path, err)
	}
	return nil
}

// shortErr is the innermost cause of a failed request ("connection refused").
func shortErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// expiryOf is a queue's x-expires argument, when it has one.
func expiryOf(q apiQueue) (time.Duration, bool) {
	switch v := q.Arguments["x-expires"].(type) {
	case float64:
		return time.Duration(v) * time.Millisecond, true
	case string:
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Duration(ms) * time.Millisecond, true
		}
	}
	return 0, false
}
