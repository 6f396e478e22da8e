package acceptance

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestDrill_killReplicas is the replica drill against real processes of the
// rest variant: two instances of every service on PostgreSQL behind the
// gateway, orders flowing from a few clients and a reader, and, one service
// after the other, kill -9 of one of its instances and its restart. No order a
// client was told of is lost or appears twice, the orders settle by the
// services' own repairs, and the CONTRACT invariants hold. The client-visible
// errors of each kill are counted and logged; reads behind the balancer must
// see none, and writes at most the few in flight at the killed instance.
// Last, faults set through the gateway reach both instances of a service.
//
// go test runs 300 orders (LAB_DRILL_ORDERS); `make drill-replicas` more.
func TestDrill_killReplicas(t *testing.T) {
	total := drillSize(t, "LAB_DRILL_ORDERS", 300)
	d := startReplicaLab(t)
	s := New(t, d.gateway, Options{Timeout: 45 * time.Second})

	f := &replicaFlow{d: d, total: total, errs: map[string]*killErrors{}}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { f.write(w) })
	}
	stopReads := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() { f.read(stopReads) })

	// One service after the other: kill -9 of one of its instances while the
	// orders flow, then its restart; the next kill waits until it is ready.
	// A longer drill goes round the services again until its orders are made.
	kills := 0
	for round := 0; round == 0 || !f.done(); round++ {
		for i, svc := range config.Services {
			if round > 0 && f.done() {
				break
			}
			name := config.InstanceName(svc, (i+round)%2)
			f.phase(svc)
			d.kill(name)
			time.Sleep(700 * time.Millisecond)
			d.start(t, name)
			time.Sleep(300 * time.Millisecond)
			f.phase("")
			kills++
			time.Sleep(400 * time.Millisecond)
		}
	}
	wg.Wait()
	close(stopReads)
	readers.Wait()

	ids := f.orderIDs()
	for _, id := range ids {
		s.track(id)
	}
	for _, svc := range config.Services {
		e := f.errs[svc]
		if e == nil {
			e = &killErrors{}
		}
		t.Logf("kill -9 of %s instances: %d reads, %d failed; %d writes, %d failed %v",
			svc, e.reads.Load(), e.readErrs.Load(), e.writes.Load(), e.writeErrs.Load(), e)
		if e.readErrs.Load() > 0 {
			t.Errorf("%s: %d reads failed behind the balancer, want none", svc, e.readErrs.Load())
		}
		// Each client has one request in flight: at most that many can be at
		// the instance, or waiting on it through another service, when it dies.
		if limit := int64(8 * (kills/len(config.Services) + 1)); e.writeErrs.Load() > limit {
			t.Errorf("%s: %d writes failed, want at most %d (those in flight at the instances killed)", svc, e.writeErrs.Load(), limit)
		}
	}
	t.Logf("replica drill: %d orders created, %d kills, %d reads and %d writes failed outside the kills %v",
		len(ids), kills, f.calm.readErrs.Load(), f.calm.writeErrs.Load(), &f.calm)
	if len(ids) < total {
		t.Errorf("created %d orders, want %d", len(ids), total)
	}

	// None lost, none twice: every order a client was told of is there once.
	var left []string
	Eventually(t, 45*time.Second, "every order to settle", func() bool {
		left = d.halfDone(t, ids)
		return len(left) == 0
	})
	if len(left) > 0 {
		t.Fatalf("%d orders left half-done, e.g. %v", len(left), left[:min(5, len(left))])
	}
	var first []domain.Order
	if st := d.call(http.MethodGet, "/api/orders?limit=500", nil, &first); st != http.StatusOK {
		t.Fatalf("list orders: status %d", st)
	}
	seen := map[string]int{}
	for _, o := range allOf(d, first, "/api/orders") {
		seen[o.OrderID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("order %s is listed %d times, want once", id, seen[id])
		}
	}
	s.CheckInvariants()

	// The lab's faults, set through the gateway, reach every instance of a
	// service, not the one the balancer picks; lifted, they leave none.
	for _, want := range []faults.Settings{{LatencyMs: 5}, {}} {
		if _, err := faults.ViaGateway(d.gateway, "warehouse").Set(t.Context(), want); err != nil {
			t.Fatalf("set the faults of warehouse %+v: %v", want, err)
		}
		for k := range 2 {
			name := config.InstanceName("warehouse", k)
			got, err := faults.Admin(d.urls[name]).Get(t.Context())
			if err != nil || got.Settings != want {
				t.Errorf("%s holds the faults %+v (%v), want %+v", name, got.Settings, err, want)
			}
		}
	}
}

// killErrors counts the calls made while one service had an instance down.
type killErrors struct {
	reads, readErrs, writes, writeErrs atomic.Int64
	mu                                 sync.Mutex
	statuses                           map[string]int // "POST 502" → how many (0: no answer)
}

func (e *killErrors) failed(method string, status int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.statuses == nil {
		e.statuses = map[string]int{}
	}
	e.statuses[fmt.Sprintf("%s %d", method, status)]++
}

func (e *killErrors) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprint(e.statuses)
}

// replicaFlow is the load of the drill: writers that make whole orders, and
// a reader.
type replicaFlow struct {
	d       *drillLab
	total   int
	mu      sync.Mutex
	ids     []string
	made    atomic.Int64
	current atomic.Value // the service with an instance down, or ""
	errs    map[string]*killErrors
	calm    killErrors
}

func (f *replicaFlow) phase(svc string) {
	f.mu.Lock()
	if svc != "" && f.errs[svc] == nil {
		f.errs[svc] = &killErrors{}
	}
	f.mu.Unlock()
	f.current.Store(svc)
}

func (f *replicaFlow) counters() *killErrors {
	svc, _ := f.current.Load().(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	if e := f.errs[svc]; svc != "" && e != nil {
		return e
	}
	return &f.calm
}

func (f *replicaFlow) done() bool { return f.made.Load() >= int64(f.total) }

// call sends one request through the gateway and counts it: a failure is no
// answer or a 5xx (a 409 for stock that ran out is the flow's own answer).
// A call overlapping a kill counts there: one that began before the kill
// ended, or ended after it began.
func (f *replicaFlow) call(method, path string, in, out any, ok int) bool {
	// A call belongs to the kill it overlaps: one that began just before it,
	// or ended just after it, counts there.
	e := f.counters()
	st := f.d.call(method, path, in, out)
	if e == &f.calm {
		e = f.counters()
	}
	failed := st == 0 || st >= 500
	if failed {
		e.failed(method, st)
	}
	if method == http.MethodGet {
		e.reads.Add(1)
		if failed {
			e.readErrs.Add(1)
		}
	} else {
		e.writes.Add(1)
		if failed {
			e.writeErrs.Add(1)
		}
	}
	return st == ok
}

func (f *replicaFlow) write(w int) {
	for i := 0; f.made.Add(1) <= int64(f.total); i++ {
		var o domain.Order
		if !f.call(http.MethodPost, "/api/orders", domain.NewOrder{CustomerID: customers.Seed[w%3].CustomerID}, &o, http.StatusCreated) {
			f.made.Add(-1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		f.mu.Lock()
		f.ids = append(f.ids, o.OrderID)
		f.mu.Unlock()
		f.call(http.MethodPost, "/api/orders/"+o.OrderID+"/items",
			domain.NewItem{ProductID: warehouse.Seed[(i+w)%12].ProductID, Quantity: 1}, nil, http.StatusCreated)
		f.call(http.MethodPost, "/api/orders/"+o.OrderID+"/confirm", nil, nil, http.StatusOK)
	}
}

// read asks what every service serves, over and over, until stop.
func (f *replicaFlow) read(stop <-chan struct{}) {
	paths := []string{"/api/products?limit=5", "/api/customers?limit=5", "/api/orders?limit=5",
		"/api/shipments?limit=5", "/api/invoices?limit=5", "/api/reservations?limit=5"}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		f.call(http.MethodGet, paths[i%len(paths)], nil, nil, http.StatusOK)
		time.Sleep(5 * time.Millisecond)
	}
}

func (f *replicaFlow) orderIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ids...)
}

// startReplicaLab starts two instances of every service of the rest variant
// and the gateway as processes, on PostgreSQL (a schema per service, shared by
// its instances).
func startReplicaLab(t *testing.T) *drillLab {
	t.Helper()
	dbs := map[string]string{}
	for _, svc := range config.Services {
		dbs[svc] = testenv.PostgresSchema(t)
	}
	d := newDrillLab(t)
	d.own = map[string][]string{}
	d.env = append(d.env, "GATEWAY_ADDR="+d.reserve(t, "gateway"))
	d.gateway = d.urls["gateway"]
	for _, svc := range config.Services {
		up := strings.ToUpper(svc)
		var urls []string
		for k := range 2 {
			name := config.InstanceName(svc, k)
			addr := d.reserve(t, name)
			d.own[name] = []string{up + "_ADDR=" + addr}
			urls = append(urls, "http://"+addr)
		}
		d.env = append(d.env, up+"_URL="+strings.Join(urls, ","), up+"_DATABASE_URL="+dbs[svc])
	}
	for _, svc := range config.Services {
		for k := range 2 {
			d.start(t, config.InstanceName(svc, k))
		}
	}
	d.start(t, "gateway")
	t.Cleanup(d.stopAll)
	return d
}
