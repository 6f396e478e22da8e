package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/messaging"
)

func TestNewManagement(t *testing.T) {
	for _, c := range []struct {
		amqp, base, user, vhost string
	}{
		{"amqp://guest:guest@localhost:5672/", "http://localhost:15672", "guest", "/"},
		{"amqp://guest:guest@localhost:5672", "http://localhost:15672", "guest", "/"},
		{"amqp://lab:secret@10.0.0.7:5673/lab-test", "http://10.0.0.7:15672", "lab", "lab-test"},
		{"amqps://u:p@broker.example:5671/%2Fworkshop", "https://broker.example:15671", "u", "/workshop"},
	} {
		m, err := newManagement(c.amqp)
		if err != nil {
			t.Errorf("%s: %v", c.amqp, err)
			continue
		}
		if m.base != c.base || m.user != c.user || m.vhost != c.vhost {
			t.Errorf("%s: got %s %s %q, want %s %s %q", c.amqp, m.base, m.user, m.vhost, c.base, c.user, c.vhost)
		}
	}
	if _, err := newManagement("http://nope"); err == nil {
		t.Error("newManagement of an http URL: no error")
	}
}

// fakeAPI serves canned queue and exchange lists for the vhost "/" and the
// user guest, as the management API does.
func fakeAPI(t *testing.T, qs, xs string) *management {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "guest" || p != "guest" {
			http.Error(w, `{"error":"not_authorised"}`, http.StatusUnauthorized)
			return
		}
		switch r.URL.EscapedPath() {
		case "/api/queues/%2F":
			fmt.Fprint(w, qs)
		case "/api/exchanges/%2F":
			fmt.Fprint(w, xs)
		default:
			http.Error(w, `{"error":"Object Not Found"}`, http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	m, err := newManagement("amqp://guest:guest@127.0.0.1:5672/")
	if err != nil {
		t.Fatal(err)
	}
	m.base = srv.URL
	return m
}

const (
	apiQueues = `[
 {"name":"lab.event-notification.billing","messages":3,"consumers":0,"arguments":{"x-dead-letter-exchange":"lab.event-notification.billing.dlx"}},
 {"name":"lab.event-notification.billing.dlq","messages":0,"consumers":0,"arguments":{}},
 {"name":"lab.event-notification.smoke-17.billing","messages":0,"consumers":1,"arguments":{"x-expires":3600000}},
 {"name":"lab.event-notification.smoke-17.billing.dlq","messages":2,"consumers":0,"arguments":{"x-expires":604800000}},
 {"name":"lab.event-notification.smoke-17.warehouse","messages":1,"consumers":0,"arguments":{"x-expires":3600000}},
 {"name":"lab.cqrs.t0a1b.shipping.dlq","messages":0,"consumers":0,"arguments":{"x-expires":604800000}},
 {"name":"amq.gen-JzTY20BRgKO-HjmUJj0wLg","messages":0,"consumers":1,"arguments":{}},
 {"name":"orders","messages":9,"consumers":0,"arguments":{}}
]`
	apiExchanges = `[
 {"name":"","type":"direct","auto_delete":false},
 {"name":"amq.topic","type":"topic","auto_delete":false},
 {"name":"lab.event-notification.events","type":"topic","auto_delete":false},
 {"name":"lab.event-notification.billing.dlx","type":"fanout","auto_delete":false},
 {"name":"lab.event-notification.smoke-17.events","type":"topic","auto_delete":true},
 {"name":"lab.event-notification.smoke-17.billing.dlx","type":"fanout","auto_delete":true},
 {"name":"lab.gateway-test.r1.events","type":"topic","auto_delete":true}
]`
)

func TestInventory(t *testing.T) {
	m := fakeAPI(t, apiQueues, apiExchanges)
	ts, err := listBroker(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tp := range ts {
		q, msgs, cons, dl := tp.totals()
		got = append(got, fmt.Sprintf("%s|%s|%v|q%d m%d c%d d%d|x%d|%s", tp.variant, tp.run, tp.serviceNames(), q, msgs, cons, dl, len(tp.exchanges), tp.expiry))
	}
	want := []string{
		"cqrs|t0a1b|[shipping]|q1 m0 c0 d0|x0|0s", // a dead-letter queue alone: its run's queue expired
		"event-notification||[billing]|q2 m3 c0 d0|x2|0s",
		"event-notification|smoke-17|[billing warehouse]|q3 m1 c1 d2|x2|1h0m0s",
		"gateway-test|r1|[]|q0 m0 c0 d0|x1|0s",
	}
	if !slices.Equal(got, want) {
		t.Errorf("inventory:\n got %q\nwant %q", got, want)
	}

	var out bytes.Buffer
	printInventory(&out, "vhost /", ts)
	for _, line := range []string{
		"event-notification (named: make run-event-notification; kept between runs): 2 queues, 2 exchanges",
		"event-notification run smoke-17 (unused queues expire after 1h): 3 queues, 2 exchanges",
		"  service    messages  consumers  dead letters",
		"  billing           0          1             2",
		"  warehouse         1          0             -",
		"  shipping         -          -             0",
		"4 topologies (vhost /): 3 runs, 6 queues, 5 exchanges, 4 messages, 1 consumer, 2 dead letters",
	} {
		if !strings.Contains(out.String(), line+"\n") {
			t.Errorf("the listing lacks %q:\n%s", line, out.String())
		}
	}
	if strings.Contains(out.String(), "amq.") || strings.Contains(out.String(), "orders") {
		t.Errorf("the listing shows names that are not the lab's:\n%s", out.String())
	}
	out.Reset()
	printInventory(&out, "vhost /", nil)
	if got := out.String(); got != "the broker has nothing of the lab (vhost /)\n" {
		t.Errorf("empty listing: %q", got)
	}
}

func TestListBroker_errors(t *testing.T) {
	m := fakeAPI(t, "[]", "[]")
	m.pass = "wrong"
	if _, err := listBroker(t.Context(), m); err == nil || !strings.Contains(err.Error(), `refuses user "guest"`) {
		t.Errorf("wrong password: got %v", err)
	}
	m = fakeAPI(t, "[]", "[]")
	m.vhost = "nope"
	if _, err := listBroker(t.Context(), m); err == nil || !strings.Contains(err.Error(), `no vhost "nope"`) {
		t.Errorf("unknown vhost: got %v", err)
	}
	m = fakeAPI(t, "not json", "[]")
	if _, err := listBroker(t.Context(), m); err == nil {
		t.Error("a malformed answer: no error")
	}
	// No management plugin: one line that says how to enable it.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	m.base = srv.URL
	_, err := listBroker(t.Context(), m)
	if err == nil || !strings.HasSuffix(err.Error(), "enable it with: rabbitmq-plugins enable rabbitmq_management") ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("no management API: got %v", err)
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 168 * time.Hour: "168h", 30 * time.Minute: "30m", 90 * time.Minute: "1h30m",
		10 * time.Second: "10s", 300 * time.Millisecond: "300ms", time.Hour + time.Second: "1h0m1s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestKeepReason(t *testing.T) {
	for _, c := range []struct {
		kind                messaging.Kind
		consumers, messages int
		drop                bool
		keep                string // a word of the reason, or "" when it may go
	}{
		{messaging.KindQueue, 0, 0, false, ""},
		{messaging.KindQueue, 0, 5, false, ""}, // a service's queue: its messages go with it
		{messaging.KindQueue, 1, 0, false, "consumer"},
		{messaging.KindQueue, 2, 0, true, "consumers"}, // never a queue in use, whatever the flag
		{messaging.KindDeadLetterQueue, 0, 0, false, ""},
		{messaging.KindDeadLetterQueue, 0, 2, false, "evidence"},
		{messaging.KindDeadLetterQueue, 0, 2, true, ""},
		{messaging.KindDeadLetterQueue, 1, 2, true, "consumer"},
	} {
		got := keepReason(c.kind, c.consumers, c.messages, c.drop)
		if (c.keep == "") != (got == "") || !strings.Contains(got, c.keep) {
			t.Errorf("keepReason(%s, %d consumers, %d messages, drop %v) = %q, want %q", c.kind, c.consumers, c.messages, c.drop, got, c.keep)
		}
	}
}

// fakeBroker is a deleter over a map of queues, applying the broker's
// conditions; queues not in the map and exchanges not in bound do not exist
// or are unbound.
type fakeBroker struct {
	queues  map[string][2]int // name → messages, consumers (the broker's present state)
	bound   map[string]bool   // exchanges with queues still bound
	deleted []string
}

func (f *fakeBroker) DeleteQueue(name string, ifUnused, ifEmpty bool) (int, error) {
	q := f.queues[name]
	if (ifUnused && q[1] > 0) || (ifEmpty && q[0] > 0) {
		return 0, fmt.Errorf("delete queue %s: %w", name, messaging.ErrRefused)
	}
	delete(f.queues, name)
	f.deleted = append(f.deleted, name)
	return q[0], nil
}

func (f *fakeBroker) DeleteExchange(name string, ifUnused bool) error {
	if ifUnused && f.bound[name] {
		return fmt.Errorf("delete exchange %s: %w", name, messaging.ErrRefused)
	}
	f.deleted = append(f.deleted, name)
	return nil
}

func (f *fakeBroker) Queue(name string) (bool, int, int, error) {
	q, ok := f.queues[name]
	return ok, q[0], q[1], nil
}

func TestClean(t *testing.T) {
	m := fakeAPI(t, apiQueues, apiExchanges)
	ts, err := listBroker(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	state := func() *fakeBroker {
		return &fakeBroker{queues: map[string][2]int{
			"lab.event-notification.billing":              {3, 0},
			"lab.event-notification.billing.dlq":          {0, 0},
			"lab.event-notification.smoke-17.billing":     {0, 1},
			"lab.event-notification.smoke-17.billing.dlq": {2, 0},
			// Since the listing, a consumer has started on this queue.
			"lab.event-notification.smoke-17.warehouse": {1, 1},
			"lab.cqrs.t0a1b.shipping.dlq":               {0, 0},
		}, bound: map[string]bool{
			"lab.event-notification.smoke-17.events":      true,
			"lab.event-notification.smoke-17.billing.dlx": true,
		}}
	}
	for _, c := range []struct {
		name    string
		scope   cleanScope
		change  func(f *fakeBroker) // what changed on the broker since the listing
		deleted []string
		kept    []string // name: a word of the reason
		err     string
	}{
		{"one run", cleanScope{variant: "cqrs", run: "t0a1b"}, nil,
			[]string{"lab.cqrs.t0a1b.shipping.dlq"}, nil, ""},
		{"dead letters since the listing", cleanScope{variant: "cqrs", run: "t0a1b"},
			func(f *fakeBroker) { f.queues["lab.cqrs.t0a1b.shipping.dlq"] = [2]int{2, 0} },
			nil, []string{"lab.cqrs.t0a1b.shipping.dlq: 2 dead letters, kept as evidence"}, ""},
		{"a consumer since the listing", cleanScope{variant: "cqrs", run: "t0a1b"},
			func(f *fakeBroker) { f.queues["lab.cqrs.t0a1b.shipping.dlq"] = [2]int{0, 1} },
			nil, []string{"lab.cqrs.t0a1b.shipping.dlq: 1 consumer"}, "in use"},
		{"a run in use is kept whole", cleanScope{variant: "event-notification", run: "smoke-17"}, nil,
			nil, []string{"event-notification run smoke-17: 2 consumers"}, "in use (1)"},
		{"a variant: its named topology and its runs", cleanScope{variant: "event-notification"}, nil,
			[]string{"lab.event-notification.billing", "lab.event-notification.billing.dlq",
				"lab.event-notification.billing.dlx", "lab.event-notification.events"},
			[]string{"event-notification run smoke-17: 2 consumers"}, "in use"},
		{"everything, dead letters too", cleanScope{all: true, deadLetters: true}, nil,
			[]string{"lab.cqrs.t0a1b.shipping.dlq",
				"lab.event-notification.billing", "lab.event-notification.billing.dlq",
				"lab.event-notification.billing.dlx", "lab.event-notification.events", "lab.gateway-test.r1.events"},
			[]string{"event-notification run smoke-17: 2 consumers"}, "in use"},
		{"an exchange bound since the listing", cleanScope{variant: "gateway-test"},
			func(f *fakeBroker) { f.bound["lab.gateway-test.r1.events"] = true },
			nil, []string{"lab.gateway-test.r1.events: queues are still bound"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := state()
			if c.change != nil {
				c.change(f)
			}
			r := clean(f, ts, c.scope)
			slices.Sort(f.deleted)
			slices.Sort(c.deleted)
			if !slices.Equal(f.deleted, c.deleted) {
				t.Errorf("deleted %q\n       want %q", f.deleted, c.deleted)
			}
			if len(r.kept) != len(c.kept) {
				t.Errorf("kept %q, want %q", r.kept, c.kept)
			}
			for _, k := range c.kept {
				name, word, _ := strings.Cut(k, ": ")
				if !slices.ContainsFunc(r.kept, func(s string) bool { return strings.HasPrefix(s, name+": "+word) }) {
					t.Errorf("kept %q, want %s kept for %q", r.kept, name, word)
				}
			}
			var out bytes.Buffer
			err := r.report(&out)
			if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
				t.Errorf("report: %v, want %q", err, c.err)
			}
		})
	}
}

func TestCleanScope(t *testing.T) {
	named := &topology{variant: "event-notification"}
	run := &topology{variant: "event-notification", run: "smoke-1"}
	other := &topology{variant: "cqrs", run: "smoke-1"}
	for _, c := range []struct {
		scope cleanScope
		want  [3]bool
	}{
		{cleanScope{all: true}, [3]bool{true, true, true}},
		{cleanScope{variant: "event-notification"}, [3]bool{true, true, false}},
		{cleanScope{variant: "event-notification", run: "smoke-1"}, [3]bool{false, true, false}},
		{cleanScope{variant: "rest"}, [3]bool{false, false, false}},
	} {
		got := [3]bool{c.scope.selects(named), c.scope.selects(run), c.scope.selects(other)}
		if got != c.want {
			t.Errorf("%+v selects %v, want %v", c.scope, got, c.want)
		}
	}
}

func TestCleanArgs(t *testing.T) {
	for _, c := range []struct {
		args string
		want cleanScope
		ok   bool
	}{
		{"--all", cleanScope{all: true}, true},
		{"-all -dead-letters", cleanScope{all: true, deadLetters: true}, true},
		{"event-notification", cleanScope{variant: "event-notification"}, true},
		{"event-notification -run smoke-1 -dead-letters", cleanScope{variant: "event-notification", run: "smoke-1", deadLetters: true}, true},
		{"-run smoke-1 cqrs", cleanScope{variant: "cqrs", run: "smoke-1"}, true},
		{"", cleanScope{}, false},
		{"--all cqrs", cleanScope{}, false},
		{"--all -run smoke-1", cleanScope{}, false},
		{"cqrs rest", cleanScope{}, false},
		{"-force cqrs", cleanScope{}, false},
	} {
		got, err := cleanArgs(strings.Fields(c.args))
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("cleanArgs(%q) = %+v, %v; want %+v, ok %v", c.args, got, err, c.want, c.ok)
		}
	}
}

func TestCheckRuns(t *testing.T) {
	named := &topology{variant: "event-notification", services: map[string]*serviceQueues{"billing": {queue: true}}}
	if err := checkRuns([]*topology{named}, "vhost /"); err != nil {
		t.Errorf("the named topology alone: %v", err)
	}
	run := &topology{variant: "event-notification", run: "compare-1", services: map[string]*serviceQueues{"billing": {queue: true, dlq: true}},
		exchanges: []string{"lab.event-notification.compare-1.events"}}
	err := checkRuns([]*topology{named, run}, "vhost /")
	if err == nil || !strings.Contains(err.Error(), "event-notification run compare-1: 2 queues, 1 exchange") {
		t.Errorf("a run left behind: got %v", err)
	}
}

func TestBrokerCommand_usage(t *testing.T) {
	for _, args := range [][]string{{"broker", "nope"}, {"broker", "check", "x"}, {"broker", "clean"}} {
		err := brokerCommand(context.Background(), args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "usage: lab broker") {
			t.Errorf("%v: got %v, want the usage", args, err)
		}
	}
}
