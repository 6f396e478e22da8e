package acceptance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestDrill_abortAndKill is the abort drill against the real processes of the
// rest variant: clients that close their connection at random points of add,
// remove, cancel and confirm (raw sockets, 0–15 ms after writing the request),
// then kill -9 of ordering in the middle of a stream of orders and a restart.
// Once things settle — within a bounded wait, by the services' own repairs
// only — the CONTRACT invariants hold and no order, item or shipment is left
// in a state it cannot leave by itself.
//
// go test runs a bounded version (LAB_DRILL_ROUNDS, default 120 orders);
// `make drill-abort` runs a longer one. LAB_DRILL_BIN runs another build of
// the variant's binary (e.g. an older commit's, to count what it leaves).
func TestDrill_abortAndKill(t *testing.T) {
	rounds := drillSize(t, "LAB_DRILL_ROUNDS", 120)
	d := startDrillLab(t)
	s := New(t, d.gateway, Options{Timeout: 45 * time.Second})

	// 0. Slow and oversized clients, against the gateway's own process.
	d.slowClients(t)

	// 1. Clients that give up half-way.
	orders := d.abortStorm(t, rounds)
	for _, id := range orders {
		s.track(id)
	}
	t.Logf("abort storm: %d orders; half-done right after it: %d", len(orders), len(d.halfDone(t, orders)))

	// 2. kill -9 of ordering in the middle of a stream of orders.
	streamed := d.killDuringStream(t)
	for _, id := range streamed {
		s.track(id)
	}
	all := append(orders, streamed...)
	t.Logf("kill -9 drill: %d orders streamed; half-done right after the restart: %d", len(streamed), len(d.halfDone(t, all)))

	// 3. Things settle by themselves.
	var left []string
	Eventually(t, 45*time.Second, "every order to settle", func() bool {
		left = d.halfDone(t, all)
		return len(left) == 0
	})
	if len(left) > 0 {
		t.Fatalf("%d orders left half-done, e.g. %v", len(left), left[:min(5, len(left))])
	}
	s.CheckInvariants()
}

// drillLab is the rest variant running as processes.
type drillLab struct {
	bin, dir, gateway string
	env               []string
	own               map[string][]string // settings of one process's own (an instance's address)
	urls              map[string]string
	held              map[string]*portHold // the ports of the processes not running
	mu                sync.Mutex
	procs             map[string]*exec.Cmd
}

func startDrillLab(t *testing.T) *drillLab {
	t.Helper()
	d := newDrillLab(t, "GATEWAY_READ_TIMEOUT=2s")
	for name := range config.DefaultPorts {
		if name == "auth" {
			continue
		}
		addr := d.reserve(t, name)
		up := strings.ToUpper(name)
		d.env = append(d.env, up+"_ADDR="+addr, up+"_URL=http://"+addr)
	}
	d.gateway = d.urls["gateway"]
	for _, name := range append(append([]string{}, config.Services...), "gateway") {
		d.start(t, name)
	}
	t.Cleanup(d.stopAll)
	return d
}

// drillSize skips a drill in -short, and answers its size: key's value, or def.
func drillSize(t *testing.T, key string, def int) int {
	t.Helper()
	if testing.Short() {
		t.Skip("the drill starts real processes: not in -short")
	}
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

// newDrillLab makes a drill's lab of real processes of rest: its folder, the
// binary, and the settings every process shares (with extra).
func newDrillLab(t *testing.T, extra ...string) *drillLab {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	d := &drillLab{dir: t.TempDir(), procs: map[string]*exec.Cmd{}, urls: map[string]string{}, held: map[string]*portHold{}}
	t.Cleanup(d.releaseAll)
	d.bin = buildDrillBin(t, root)
	d.env = append(append(os.Environ(), "LAB_VARIANT=rest", "LAB_DATA_DIR="+d.dir, "SHIPPING_DELAY=20ms",
		"ORDERING_RECONCILE_INTERVAL=1s", "SHIPPING_RECONCILE_INTERVAL=1s", "ORDERING_COMMAND_BUDGET=5s",
		"LOG_LEVEL=warn", "GATEWAY_UPSTREAM_TIMEOUT=10s"), extra...)
	return d
}

// reserve draws a free loopback port from the kernel for the process named
// and returns its address. The test holds the port whenever the process is
// not running (before it starts, while kill has it down), so that no other
// test of go test ./... draws it meanwhile: fixed ports would lie where the
// kernel hands out its ephemeral ones.
func (d *drillLab) reserve(t *testing.T, name string) string {
	t.Helper()
	h, err := holdPort(0)
	testenv.Require(t, "a free loopback port", err)
	d.mu.Lock()
	d.held[name] = h
	d.mu.Unlock()
	d.urls[name] = "http://" + h.addr
	return h.addr
}

// port is the port the process named listens on.
func (d *drillLab) port(name string) int {
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(d.urls[name], "http://"))
	n, _ := strconv.Atoi(p)
	return n
}

// hold holds the port of a process that kill stopped, until it starts again.
func (d *drillLab) hold(name string) {
	if h, err := holdPort(d.port(name)); err == nil {
		d.mu.Lock()
		d.held[name] = h
		d.mu.Unlock()
	}
}

// release hands the process its port, just before it starts. A port the
// test could not hold (another program took it in the instant after a kill)
// skips the drill, or fails it under CI=true.
func (d *drillLab) release(t *testing.T, name string) {
	t.Helper()
	d.mu.Lock()
	h := d.held[name]
	delete(d.held, name)
	d.mu.Unlock()
	if h == nil {
		var err error
		h, err = holdPort(d.port(name))
		testenv.Require(t, "port "+d.urls[name]+" of "+name+" (taken while "+name+" was down)", err)
	}
	h.Close()
}

// releaseAll closes the reservations of the processes that are not running.
func (d *drillLab) releaseAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, h := range d.held {
		h.Close()
		delete(d.held, name)
	}
}

// buildDrillBin builds the lab's binary, which runs one service: lab serve
// rest <service>; LAB_DRILL_BIN names another build instead.
func buildDrillBin(t *testing.T, root string) string {
	t.Helper()
	if bin := os.Getenv("LAB_DRILL_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "lab")
	build := exec.Command("go", "build", "-o", bin, "./cmd/lab")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the rest variant: %v\n%s", err, out)
	}
	return bin
}

// start runs one process (a service, an instance such as warehouse-2, or the
// gateway) and waits until it is ready.
func (d *drillLab) start(t *testing.T, name string) {
	t.Helper()
	cmd := exec.Command(d.bin, "serve", "rest", config.ServiceOf(name))
	cmd.Env = append(append([]string(nil), d.env...), d.own[name]...)
	log, err := os.Create(filepath.Join(d.dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	d.release(t, name)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	d.mu.Lock()
	d.procs[name] = cmd
	d.mu.Unlock()
	path := "/readyz"
	if name == "gateway" {
		path = "/healthz"
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("%s's log:\n%s", name, b[max(0, len(b)-2000):])
		}
	})
	Eventually(t, 20*time.Second, name+" to be ready", func() bool {
		resp, err := http.Get(d.urls[name] + path)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// kill ends a process with SIGKILL, as a crash would, and holds its port
// until it starts again.
func (d *drillLab) kill(name string) {
	d.mu.Lock()
	cmd := d.procs[name]
	delete(d.procs, name)
	d.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		d.hold(name)
	}
}

func (d *drillLab) stopAll() {
	d.mu.Lock()
	procs := d.procs
	d.procs = map[string]*exec.Cmd{}
	d.mu.Unlock()
	for _, cmd := range procs {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, cmd := range procs {
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	}
}

// call sends one request and decodes a 2xx answer into out; it reports the status (0: no answer).
func (d *drillLab) call(method, path string, in, out any) int {
	var body *bytes.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	} else {
		body = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, d.gateway+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := http.Client{Timeout: 20 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if resp.StatusCode < 300 && out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// abort writes a request on a raw connection and closes it 0–15 ms later.
func (d *drillLab) abort(method, path string, in any) {
	var b []byte
	if in != nil {
		b, _ = json.Marshal(in)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(d.gateway, "http://"))
	if err != nil {
		return
	}
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, len(b), b)
	time.Sleep(time.Duration(rand.IntN(16)) * time.Millisecond)
	conn.Close()
}

// abortStorm makes rounds orders, each with aborted adds and one aborted
// remove, cancel or confirm, from a few clients at once.
func (d *drillLab) abortStorm(t *testing.T, rounds int) []string {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	work := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range work {
				var o domain.Order
				if d.call(http.MethodPost, "/api/orders", domain.NewOrder{CustomerID: customers.Seed[i%3].CustomerID}, &o) != http.StatusCreated {
					continue
				}
				mu.Lock()
				ids = append(ids, o.OrderID)
				mu.Unlock()
				p1, p2 := warehouse.Seed[i%12].ProductID, warehouse.Seed[(i+5)%12].ProductID
				items := "/api/orders/" + o.OrderID + "/items"
				d.abort(http.MethodPost, items, domain.NewItem{ProductID: p1, Quantity: 1})
				var it domain.OrderItem
				d.call(http.MethodPost, items, domain.NewItem{ProductID: p2, Quantity: 1}, &it)
				switch i % 4 {
				case 0:
					if it.ItemID != "" {
						d.abort(http.MethodDelete, items+"/"+it.ItemID, nil)
					}
				case 1:
					d.abort(http.MethodPost, "/api/orders/"+o.OrderID+"/cancel", nil)
				default:
					time.Sleep(20 * time.Millisecond) // let the aborted add land, or not
					d.abort(http.MethodPost, "/api/orders/"+o.OrderID+"/confirm", nil)
				}
			}
		})
	}
	for i := range rounds {
		work <- i
	}
	close(work)
	wg.Wait()
	return ids
}

// killDuringStream runs a stream of whole orders, kills ordering with SIGKILL
// in the middle of it and starts it again.
func (d *drillLab) killDuringStream(t *testing.T) []string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				var o domain.Order
				if d.call(http.MethodPost, "/api/orders", domain.NewOrder{CustomerID: customers.Seed[w].CustomerID}, &o) != http.StatusCreated {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				mu.Lock()
				ids = append(ids, o.OrderID)
				mu.Unlock()
				d.call(http.MethodPost, "/api/orders/"+o.OrderID+"/items",
					domain.NewItem{ProductID: warehouse.Seed[(i+w)%12].ProductID, Quantity: 1}, nil)
				d.call(http.MethodPost, "/api/orders/"+o.OrderID+"/confirm", nil, nil)
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	d.kill("ordering")
	time.Sleep(300 * time.Millisecond)
	d.start(t, "ordering")
	time.Sleep(time.Second)
	stop()
	wg.Wait()
	return ids
}

// halfDone lists the orders in a state they cannot leave by themselves: a
// PENDING item, a CONFIRMED or SHIPPED order, a PENDING shipment, or stock
// held for an item the order does not hold RESERVED.
func (d *drillLab) halfDone(t *testing.T, ids []string) []string {
	t.Helper()
	var orders []domain.Order
	var rs []domain.Reservation
	var ships []domain.Shipment
	if d.call(http.MethodGet, "/api/orders?limit=500", nil, &orders) != http.StatusOK ||
		d.call(http.MethodGet, "/api/reservations?limit=500", nil, &rs) != http.StatusOK ||
		d.call(http.MethodGet, "/api/shipments?limit=500", nil, &ships) != http.StatusOK {
		return ids // not answering yet: nothing is settled
	}
	orders, rs, ships = allOf(d, orders, "/api/orders"), allOf(d, rs, "/api/reservations"), allOf(d, ships, "/api/shipments")
	byID := map[string]domain.Order{}
	for _, o := range orders {
		byID[o.OrderID] = o
	}
	bad := map[string]bool{}
	for _, id := range ids {
		o := byID[id]
		if o.Status == domain.OrderConfirmed || o.Status == domain.OrderShipped {
			bad[id] = true
		}
		for _, it := range o.Items {
			if it.Status == domain.ItemPending {
				bad[id] = true
			}
		}
	}
	for _, r := range rs {
		o, mine := byID[r.OrderID]
		if !mine || !r.HoldsStock() {
			continue
		}
		if it := o.Item(r.ItemID); it == nil || it.Status != domain.ItemReserved || it.ReservationID != r.ReservationID {
			bad[r.OrderID] = true
		}
	}
	for _, sh := range ships {
		if sh.Status == domain.ShipmentPending {
			bad[sh.OrderID] = true
		}
	}
	var out []string
	for _, id := range ids {
		if bad[id] {
			out = append(out, id)
		}
	}
	return out
}

// allOf follows a list's pages (Link rel="next") when there is more than one.
func allOf[T any](d *drillLab, first []T, path string) []T {
	if len(first) < 500 {
		return first
	}
	var out []T
	next := path + "?limit=500"
	for next != "" {
		req, _ := http.NewRequest(http.MethodGet, d.gateway+next, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return out
		}
		var page []T
		_ = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		out = append(out, page...)
		next = httpx.NextLink(resp.Header.Get("Link"))
	}
	return out
}

// slowClients checks the gateway process's bounds with raw sockets: a body
// that stops after 1 of 100 bytes is answered 408 and closed once
// GATEWAY_READ_TIMEOUT (2 s here) has passed, and a 10 MB body announced with
// Expect: 100-continue is a 413 problem, never a 502.
func (d *drillLab) slowClients(t *testing.T) {
	t.Helper()
	addr := strings.TrimPrefix(d.gateway, "http://")
	for _, c := range []struct{ name, head, want string }{
		{"stalled body", "POST /api/orders HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", " 408 "},
		{"10 MB with Expect", "POST /api/orders HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\nExpect: 100-continue\r\n\r\n", " 413 "},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(conn, c.head)
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, err := io.ReadAll(conn)
		conn.Close()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: the gateway held the connection for 10 s; answered %q", c.name, b)
			continue
		}
		if status, _, _ := strings.Cut(string(b), "\r\n"); !strings.Contains(status, c.want) || !strings.Contains(string(b), "application/problem+json") {
			t.Errorf("%s: got %q, want a%s problem", c.name, status, c.want)
		}
	}
}
