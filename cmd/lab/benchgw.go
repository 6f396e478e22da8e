package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// benchGatewayCommand runs `lab bench-gateway`: one upstream (rest's
// warehouse, as a process), and in front of it the lab's gateway (at Go's
// default GOMAXPROCS; also at GOGC=50, writing no access line, and at the
// GOMAXPROCS lab run gives it here), a bare httputil.ReverseProxy (alone; with the
// gateway's timeouts; with those, a request id and the gateway's access
// line; alone at that GOMAXPROCS) and nginx (when installed), each as a
// process of its own. wrk reads one product
// through each in turn, for several rounds, as fast as it can; then a paced
// client reads it at one fixed rate through each. The rates and each
// proxy's own CPU time per request are printed with their ratios.
func benchGatewayCommand(ctx context.Context, _ string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab bench-gateway", flag.ContinueOnError)
	rounds := fs.Int("rounds", 5, "rounds over the proxies")
	duration := fs.Duration("duration", 10*time.Second, "how long wrk runs against each proxy in each round")
	conns := fs.Int("connections", 32, "wrk's connections, and the paced client's")
	threads := fs.Int("threads", 2, "wrk's threads")
	rate := fs.Float64("rate", 2000, "the paced client's requests per second (below every proxy's rate under wrk)")
	paced := fs.Duration("paced", 5*time.Second, "how long the paced client runs against each proxy in each round (0: not at all)")
	against := fs.String("against", "", "another build of lab (a path): its gateway runs beside this one's, and the two are compared")
	only := fs.String("proxies", "", "the proxies to run, by key, comma-separated (default: all): "+strings.Join(proxyKeys(), ", "))
	usage := errors.New("usage: lab bench-gateway [-rounds 5] [-duration 10s] [-connections 32] [-threads 2] [-rate 2000] [-paced 5s] [-against other/bin/lab] [-proxies gateway,bare,…]")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *rounds < 1 || *rate <= 0 {
		return errors.Join(err, usage)
	}
	want, err := chosenProxies(*only)
	if err != nil {
		return errors.Join(err, usage)
	}
	if *against != "" {
		exe, err := exec.LookPath(*against)
		if err != nil {
			return fmt.Errorf("-against: %s is not a program to run", *against)
		}
		*against = exe // the path the process runs, found once
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return errors.New("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
	}
	data, err := os.MkdirTemp("", "lab-bench-gateway-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	b := &gwBench{data: data, against: *against, want: want}
	defer b.stop()
	targets, err := b.targets(stdout)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return errors.New("no proxy to measure: -proxies named only nginx, which is not installed (apt-get install nginx-light)")
	}
	path := "/api/products/" + warehouse.Seed[0].ProductID
	// The rate under wrk is the whole machine's: wrk, the upstream and the
	// proxy share its CPUs, and it moves with them. The proxy's own CPU time
	// per request (from /proc) is its cost alone; it moves less, but it
	// falls as the rate rises (more requests for each wake-up), so a proxy
	// that serves fewer requests a second seems dearer per request than it
	// is. At one fixed rate every proxy does the same work in the same time.
	rates, cpus, pacedCPU, pacedSwitches := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	width := 0 // of the names, to align the rounds' lines
	for _, t := range targets {
		width = max(width, len(t.name))
	}
	for r := 1; r <= *rounds; r++ {
		for _, t := range inTurn(targets, r) {
			perRequest, _, err := cpuPerRequest(t, func() (int, error) {
				rate, n, err := wrkRate(ctx, wrk, *threads, *conns, *duration, "http://"+t.addr+path)
				rates[t.name] = append(rates[t.name], rate)
				return n, err
			})
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			fmt.Fprintf(stdout, "round %d of %d, %-9s %-*s %8.0f requests/s %6.1f µs of its CPU a request\n",
				r, *rounds, "wrk:", width, t.name, rates[t.name][r-1], perRequest)
			cpus[t.name] = append(cpus[t.name], perRequest)
		}
	}
	for r := 1; r <= *rounds && *paced > 0; r++ {
		for _, t := range inTurn(targets, r) {
			perRequest, switches, err := cpuPerRequest(t, func() (int, error) { return pacedGet(ctx, "http://"+t.addr+path, *rate, *conns, *paced) })
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			fmt.Fprintf(stdout, "round %d of %d, %-9s %-*s %8s             %6.1f µs of its CPU a request, %.1f switches of its threads\n",
				r, *rounds, fmt.Sprintf("%.0f/s:", *rate), width, t.name, "", perRequest, switches)
			pacedCPU[t.name] = append(pacedCPU[t.name], perRequest)
			pacedSwitches[t.name] = append(pacedSwitches[t.name], switches)
		}
	}
	defer func() {
		if *against != "" {
			other := otherGateway(*against)
			fmt.Fprintf(stdout, "\nthe %s against this build's gateway, round by round: %s the rate under wrk, %s the CPU per request under wrk, %s at %.0f/s\n",
				other, ratioOf(rates[other], rates["gateway"]), ratioOf(cpus[other], cpus["gateway"]), ratioOf(pacedCPU[other], pacedCPU["gateway"]), *rate)
		}
	}()
	µs := func(v float64) string { return fmt.Sprintf("%.1f µs", v) }
	fmt.Fprintf(stdout, "\n%s of %s each, wrk -t%d -c%d, GET %s (one product, %d CPUs):\n\n",
		roundsOf(*rounds), *duration, *threads, *conns, "/api/products/{id}", runtime.NumCPU())
	fmt.Fprintln(stdout, "| proxy | requests/s (median, range) | against the bare proxy | against nginx | its CPU per request | against the bare proxy |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|")
	for _, t := range targets {
		name := t.name
		fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s | %s |\n", name, spread(rates[name], func(v float64) string { return strconv.Itoa(int(v)) }),
			ratioOf(rates[name], rates[bareProxy]), ratioOf(rates[name], rates["nginx"]), spread(cpus[name], µs), ratioOf(cpus[name], cpus[bareProxy]))
	}
	if *paced > 0 {
		fmt.Fprintf(stdout, "\n%s of %s each at %.0f requests/s over %d connections, the same GET:\n\n", roundsOf(*rounds), *paced, *rate, *conns)
		fmt.Fprintln(stdout, "| proxy | its CPU per request | against the bare proxy | against the bare proxy with timeouts | against the bare proxy with timeouts, id and access line | against nginx | its threads' switches per request |")
		fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|")
		for _, t := range targets {
			c := pacedCPU[t.name]
			fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s | %s | %s |\n", t.name, spread(c, µs),
				ratioOf(c, pacedCPU[bareProxy]), ratioOf(c, pacedCPU[bareWithTimeouts]), ratioOf(c, pacedCPU[bareIDLog]), ratioOf(c, pacedCPU["nginx"]),
				spread(pacedSwitches[t.name], func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }))
		}
	}
	for _, yardstick := range []string{bareProxy, bareIDLog} {
		confidenceTable(stdout, yardstick, targets, *rounds, *rate, rates, cpus, pacedCPU)
	}
	return nil
}

// confidenceTable writes, for a run of enough rounds in which the yardstick
// ran, each other proxy's ratios to it as the median of the rounds' ratios
// with its 95 % confidence interval: where the median lies, not how far
// single rounds strayed.
func confidenceTable(w io.Writer, yardstick string, targets []*proc, rounds int, rate float64, rates, cpus, pacedCPU map[string][]float64) {
	// As many ratios as rounds: too few for an interval, no table.
	if _, _, _, ok := medianCI(make([]float64, rounds)); !ok || len(rates[yardstick]) == 0 {
		return
	}
	ci := func(a, b []float64) string { // "–" for a measure that did not run
		var rs []float64
		for i := range min(len(a), len(b)) {
			if b[i] > 0 {
				rs = append(rs, a[i]/b[i])
			}
		}
		med, lo, hi, ok := medianCI(rs)
		if !ok {
			return "–"
		}
		return fmt.Sprintf("%.2f× (%.2f×–%.2f×)", med, lo, hi)
	}
	fmt.Fprintf(w, "\nAgainst the %s, the median of the %d rounds' ratios with its 95 %% confidence interval:\n\n", yardstick, rounds)
	fmt.Fprintf(w, "| proxy | requests/s under wrk | CPU per request under wrk | CPU per request at %.0f/s |\n|---|---|---|---|\n", rate)
	for _, t := range targets {
		if t.name != yardstick {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", t.name, ci(rates[t.name], rates[yardstick]), ci(cpus[t.name], cpus[yardstick]), ci(pacedCPU[t.name], pacedCPU[yardstick]))
		}
	}
}

// medianCI is the median of vs and the 95 % confidence interval of it that
// assumes nothing of their distribution: from the k-th smallest to the k-th
// largest value, for the largest k at which the chance that fewer than k of
// n values fall on one side of the true median, taken for both sides, is at
// most 5 % (the sign test's binomial tail). Below 6 values no such interval
// exists, and ok is false.
func medianCI(vs []float64) (med, lo, hi float64, ok bool) {
	n := len(vs)
	k, tail := 0, 0.0 // tail: P(at most k-1 of n fall below the median)
	for j := 0; j < n; j++ {
		lchoose, _ := math.Lgamma(float64(n + 1))
		a, _ := math.Lgamma(float64(j + 1))
		b, _ := math.Lgamma(float64(n - j + 1))
		tail += math.Exp(lchoose - a - b - float64(n)*math.Ln2)
		if 2*tail > 0.05 {
			break
		}
		k = j + 1
	}
	if k == 0 {
		return 0, 0, 0, false
	}
	s := slices.Sorted(slices.Values(vs))
	return median(s), s[k-1], s[n-k], true
}

// proxyKeys names the proxies bench-gateway can run, for -proxies, in the
// tables' order: the gateway (at GOGC=50; with no access line; at lab run's
// GOMAXPROCS), the bare proxy (with timeouts; with timeouts, id and access
// line; at lab run's GOMAXPROCS) and nginx.
func proxyKeys() []string {
	return []string{"gateway", "gateway-gogc50", "gateway-nolog", "gateway-procs", "bare", "bare-timeouts", "bare-id-log", "bare-procs", "nginx"}
}

// chosenProxies is the set of keys -proxies names (every one when empty),
// or an error naming a key it does not know.
func chosenProxies(list string) (map[string]bool, error) {
	want := map[string]bool{}
	if strings.TrimSpace(list) == "" {
		for _, k := range proxyKeys() {
			want[k] = true
		}
		return want, nil
	}
	for _, k := range strings.Split(list, ",") {
		k = strings.TrimSpace(k)
		if !slices.Contains(proxyKeys(), k) {
			return nil, fmt.Errorf("-proxies: no proxy %q (there are %s)", k, strings.Join(proxyKeys(), ", "))
		}
		want[k] = true
	}
	return want, nil
}

// inTurn is the order of round r (from 1): each round starts one proxy later
// than the round before, so that no proxy always runs first, or always right
// after the same one (wrk's and the paced client's rounds alike).
func inTurn[T any](targets []T, r int) []T {
	k := (r - 1) % len(targets)
	return append(slices.Clone(targets[k:]), targets[:k]...)
}

// roundsOf says how many rounds ran: "1 round", "5 rounds".
func roundsOf(n int) string {
	if n == 1 {
		return "1 round"
	}
	return strconv.Itoa(n) + " rounds"
}

// The yardsticks' names in bench-gateway's tables.
const (
	bareProxy        = "bare proxy"
	bareWithTimeouts = "bare proxy with timeouts"
	gatewayNoLog     = "gateway, no access line"
	bareIDLog        = "bare proxy with timeouts, id and access line"
)

// targets starts the upstream and, in front of it, the proxies under test.
func (b *gwBench) targets(stdout io.Writer) ([]*proc, error) {
	_, upstream, err := b.start("warehouse", func(addr string) *exec.Cmd {
		return b.self("WAREHOUSE_ADDR="+addr, "LAB_DATA_DIR="+b.data, "serve", "rest", "warehouse")
	})
	if err != nil {
		return nil, err
	}
	var targets []*proc
	add := func(key, name string, cmd func(addr string) *exec.Cmd) error {
		if key != "" && !b.want[key] {
			return nil
		}
		c, addr, err := b.start(name, cmd)
		if err == nil {
			targets = append(targets, &proc{name: name, cmd: c, addr: addr})
		}
		return err
	}
	// The gateway writes its access line of every request, at info, into a
	// file; a second one collects garbage as the services do (GOGC=50, where
	// the gateway keeps Go's default), to show what that setting costs; a
	// third writes no access line (LOG_LEVEL=warn), the least any cheaper
	// way of writing it could cost.
	gateway := func(log string, settings ...string) func(addr string) *exec.Cmd {
		return func(addr string) *exec.Cmd {
			cmd := b.self(append(append([]string{"LOG_LEVEL=info"}, settings...), "GATEWAY_ADDR="+addr, "WAREHOUSE_URL=http://"+upstream,
				"LAB_DATA_DIR="+b.data, "serve", "rest", "gateway")...)
			cmd.Stderr = b.file(log)
			return cmd
		}
	}
	proxy := func(flags ...string) func(addr string) *exec.Cmd {
		return func(addr string) *exec.Cmd {
			cmd := b.self(append(append([]string{"bench-proxy"}, flags...), addr, upstream)...)
			if slices.Contains(flags, "-id-log") {
				cmd.Stderr = b.file("bare-id-log.log") // its access lines, as the gateway's
			}
			return cmd
		}
	}
	var other error
	if b.against != "" {
		exe := b.against
		other = add("", otherGateway(exe), func(addr string) *exec.Cmd {
			cmd := gateway("gateway-other.log")(addr)
			cmd.Path, cmd.Args[0] = exe, exe
			return cmd
		})
	}
	// Two more run at the GOMAXPROCS lab run gives each process of rest
	// here (procsEach): the gateway as the lab runs it, and the bare proxy
	// at the same setting.
	procs := "GOMAXPROCS=" + restProcs()
	for _, err := range []error{
		other,
		add("gateway", "gateway", gateway("gateway.log")),
		add("gateway-gogc50", "gateway, GOGC=50", gateway("gateway-gogc50.log", "GOGC=50")),
		add("gateway-nolog", gatewayNoLog, gateway("gateway-warn.log", "LOG_LEVEL=warn")),
		add("gateway-procs", "gateway, "+procs, gateway("gateway-procs.log", procs)),
		add("bare", bareProxy, proxy()),
		add("bare-timeouts", bareWithTimeouts, proxy("-timeouts")),
		add("bare-id-log", bareIDLog, proxy("-timeouts", "-id-log")),
		add("bare-procs", bareProxy+", "+procs, func(addr string) *exec.Cmd {
			cmd := proxy()(addr)
			cmd.Env = append(cmd.Env, procs)
			return cmd
		}),
	} {
		if err != nil {
			return nil, err
		}
	}
	if !b.want["nginx"] {
		return targets, nil
	}
	if nginx, err := exec.LookPath("nginx"); err == nil {
		if err := add("nginx", "nginx", func(addr string) *exec.Cmd { return b.nginx(nginx, addr, upstream) }); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprintln(stdout, "lab: nginx is not installed (apt-get install nginx-light): measuring the Go proxies only")
	}
	return targets, nil
}

// cpuPerRequest runs load, which answers how many requests it made, and
// answers t's own CPU time per request over it, in µs, and how many times
// per request its threads were switched off a CPU (threadSwitches).
func cpuPerRequest(t *proc, load func() (int, error)) (cpu, switches float64, err error) {
	before, err := cpuTime([]*proc{t})
	if err != nil {
		return 0, 0, err
	}
	switchedBefore := threadSwitches(t)
	n, err := load()
	if err != nil {
		return 0, 0, err
	}
	after, err := cpuTime([]*proc{t})
	if err != nil {
		return 0, 0, err
	}
	return float64((after - before).Microseconds()) / float64(n), float64(threadSwitches(t)-switchedBefore) / float64(n), nil
}

// restProcs is the GOMAXPROCS lab run gives each of rest's processes here.
func restProcs() string {
	v, _ := runnerProcs(len(names()))
	return v
}

// pacedGet reads u at rate requests per second for d, over conns kept-alive
// connections, each sending its next request at its own fixed interval
// (conns/rate); it answers how many it sent. A proxy that falls more than a
// tenth behind the rate (its connections wait on it past their slots), or
// any answer but 200, is an error.
func pacedGet(ctx context.Context, u string, rate float64, conns int, d time.Duration) (int, error) {
	tr := &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	interval := time.Duration(float64(conns) / rate * float64(time.Second))
	start := time.Now()
	end := start.Add(d)
	counts := make([]int, conns)
	errs := make([]error, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			// The connections' slots are spread over one interval.
			for next := start.Add(interval * time.Duration(i) / time.Duration(conns)); next.Before(end); next = next.Add(interval) {
				select {
				case <-ctx.Done():
					errs[i] = ctx.Err()
					return
				case <-time.After(time.Until(next)):
				}
				if time.Now().After(end) {
					return // a connection that fell behind sends no slot after the end
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
				resp, err := client.Do(req)
				if err != nil {
					errs[i] = err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs[i] = fmt.Errorf("the answer was %s", resp.Status)
					return
				}
				counts[i]++
			}
		})
	}
	wg.Wait()
	n := 0
	for _, c := range counts {
		n += c
	}
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	if want := rate * d.Seconds(); float64(n) < 0.9*want {
		return 0, fmt.Errorf("%d requests in %s, not %.0f: the proxy does not keep up; pass a lower -rate", n, time.Since(start).Round(time.Millisecond), want)
	}
	return n, nil
}

// otherGateway names the gateway of another build of lab (-against).
func otherGateway(exe string) string { return "gateway of " + exe }

// gwBench holds the processes of a bench run.
type gwBench struct {
	data    string
	against string          // another build of lab, whose gateway runs too (-against)
	want    map[string]bool // the proxies to run, by key (chosenProxies)
	mu      sync.Mutex
	procs   []*exec.Cmd
	files   []*os.File // the processes' log files, closed by stop
}

// self runs this very binary with args, settings first (KEY=VALUE; later
// ones win).
func (b *gwBench) self(args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	var env []string
	for len(args) > 0 && strings.Contains(args[0], "=") {
		env, args = append(env, args[0]), args[1:]
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(append(os.Environ(), "LOG_LEVEL=warn"), env...)
	return cmd
}

// file opens a file in the bench's folder for a process's log (os.DevNull
// if it cannot: the bench still runs).
func (b *gwBench) file(name string) *os.File {
	f, err := os.Create(filepath.Join(b.data, name))
	if err != nil {
		f, _ = os.Open(os.DevNull)
	}
	b.mu.Lock()
	b.files = append(b.files, f)
	b.mu.Unlock()
	return f
}

// nginx runs nginx in the foreground as a reverse proxy to upstream, with
// keepalive connections to it and an access log in a file, as the gateway's.
// It runs as one process (no master), whose CPU time is then all of nginx's.
func (b *gwBench) nginx(bin, addr, upstream string) *exec.Cmd {
	dir := filepath.Join(b.data, "nginx")
	_ = os.MkdirAll(dir, 0o755)
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log %[1]s/access.log;
  client_body_temp_path %[1]s; proxy_temp_path %[1]s; fastcgi_temp_path %[1]s; uwsgi_temp_path %[1]s; scgi_temp_path %[1]s;
  upstream lab { server %[3]s; keepalive 64; }
  server {
    listen %[2]s;
    location / { proxy_pass http://lab; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`, dir, addr, upstream)
	_ = os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	return exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
}

// start starts a process on a free loopback port and waits until the port answers.
func (b *gwBench) start(name string, cmd func(addr string) *exec.Cmd) (*exec.Cmd, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	c := cmd(addr)
	var out bytes.Buffer
	c.Stdout = &out
	if c.Stderr == nil {
		c.Stderr = &out
	}
	c.SysProcAttr = sysProcAttr()
	c.WaitDelay = time.Second
	if err := c.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w", name, err)
	}
	b.mu.Lock()
	b.procs = append(b.procs, c)
	b.mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			conn.Close()
			return c, addr, nil
		}
	}
	return nil, "", fmt.Errorf("%s did not listen on %s within 30 s: %s", name, addr, out.String())
}

func (b *gwBench) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.procs {
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL) // the group: nginx's workers too
		_ = c.Wait()
	}
	for _, f := range b.files {
		_ = f.Close()
	}
}

// benchProxyCommand is `lab bench-proxy [-timeouts] [-id-log] <addr>
// <upstream>`: the bare reverse proxy the gateway is measured against —
// httputil.ReverseProxy with a buffer pool and 64 idle connections to its
// one upstream, nothing else. With -timeouts it keeps the gateway's own (by
// default): its server's read, write and idle timeouts, and the transport's
// wait for an answer. With -id-log it also gives every request an id, passed
// on and answered as the gateway's, and writes the gateway's access line of
// it (httpx.AccessRecord, at info, through a process's buffered log on
// stderr): what the gateway does without gin, its routes and its middleware.
// It stops, gracefully, when ctx is done: at Ctrl-C or SIGTERM when it is run
// by hand (bench-gateway kills its proxies).
func benchProxyCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("lab bench-proxy", flag.ContinueOnError)
	timeouts := fs.Bool("timeouts", false, "the gateway's timeouts")
	idLog := fs.Bool("id-log", false, "a request id and the gateway's access line of every request")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		return errors.Join(err, errors.New("usage: lab bench-proxy [-timeouts] [-id-log] <addr> <upstream host:port>"))
	}
	u, err := url.Parse("http://" + fs.Arg(1))
	if err != nil {
		return err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	tr := &http.Transport{Proxy: nil, MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
	rp.Transport = tr
	rp.BufferPool = httpx.NewBufferPool()
	rp.ErrorLog = log.New(io.Discard, "", 0)
	var h http.Handler = rp
	if *idLog {
		log, flush := config.NewProcessLogger(config.Log{Level: slog.LevelInfo}, "bench-proxy")
		defer flush()
		h = withIDAndLog(rp, log.Handler())
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	if *timeouts {
		cfg, err := config.LoadGateway(func(string) string { return "" })
		if err != nil {
			return err
		}
		tr.ResponseHeaderTimeout = cfg.UpstreamTimeout
		srv = httpx.NewServer(httpx.WithTimeouts(h, cfg.ReadTimeout, cfg.WriteTimeout))
	}
	ln, err := net.Listen("tcp", fs.Arg(0))
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done(): // Ctrl-C or SIGTERM, when it runs on its own
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// withIDAndLog keeps a request's valid X-Request-Id or makes one, answers it
// and passes it on, as the gateway does, and writes the request's access line.
func withIDAndLog(next http.Handler, log slog.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := httpx.RequestIDOf(r)
		w.Header().Set(httpx.RequestIDHeader, id)
		r.Header.Set(httpx.RequestIDHeader, id)
		sw := httpx.NewStatusWriter(w)
		ctx := httpx.WithRequestID(r.Context(), id)
		next.ServeHTTP(sw, r.WithContext(ctx))
		_ = log.Handle(ctx, httpx.AccessRecord(slog.LevelInfo, r, sw.Status, start, id))
	})
}

var (
	wrkRequests = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkTotal    = regexp.MustCompile(`([0-9]+) requests in `)
)

// wrkRate runs wrk against u and answers its requests per second and how
// many it made; a run with socket errors or non-2xx answers is an error.
func wrkRate(ctx context.Context, wrk string, threads, conns int, d time.Duration, u string) (float64, int, error) {
	out, err := exec.CommandContext(ctx, wrk, "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(int(d.Seconds()))+"s", u).CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("wrk: %v: %s", err, out)
	}
	if bytes.Contains(out, []byte("Non-2xx")) || bytes.Contains(out, []byte("Socket errors")) {
		return 0, 0, fmt.Errorf("wrk saw errors:\n%s", out)
	}
	rate, total := wrkRequests.FindSubmatch(out), wrkTotal.FindSubmatch(out)
	if rate == nil || total == nil {
		return 0, 0, fmt.Errorf("no rate in wrk's output:\n%s", out)
	}
	r, err := strconv.ParseFloat(string(rate[1]), 64)
	if err != nil {
		return 0, 0, err
	}
	n, err := strconv.Atoi(string(total[1]))
	if err != nil || n == 0 {
		return 0, 0, fmt.Errorf("no requests in wrk's output:\n%s", out)
	}
	return r, n, nil
}

// ratioOf is the median of the rounds' ratios of a to b ("–" without b).
func ratioOf(a, b []float64) string {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if b[i] > 0 {
			rs = append(rs, a[i]/b[i])
		}
	}
	if len(rs) == 0 {
		return "–"
	}
	return spread(rs, func(r float64) string { return fmt.Sprintf("%.2f×", r) })
}
