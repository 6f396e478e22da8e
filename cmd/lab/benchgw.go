package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// benchGatewayCommand runs `lab bench-gateway`: one upstream (rest's
// warehouse, as a process), and in front of it the lab's gateway, a bare
// httputil.ReverseProxy and nginx (when installed), each as a process of its
// own; wrk reads one product through each in turn, for several rounds, and
// the rates are printed with their ratios.
func benchGatewayCommand(ctx context.Context, _ string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab bench-gateway", flag.ContinueOnError)
	rounds := fs.Int("rounds", 5, "rounds over the proxies")
	duration := fs.Duration("duration", 10*time.Second, "how long wrk runs against each proxy in each round")
	conns := fs.Int("connections", 32, "wrk's connections")
	threads := fs.Int("threads", 2, "wrk's threads")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *rounds < 1 {
		return errors.Join(err, errors.New("usage: lab bench-gateway [-rounds 5] [-duration 10s] [-connections 32] [-threads 2]"))
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
	b := &gwBench{data: data}
	defer b.stop()
	_, upstream, err := b.start("warehouse", func(addr string) *exec.Cmd {
		return b.self("WAREHOUSE_ADDR="+addr, "LAB_DATA_DIR="+data, "serve", "rest", "warehouse")
	})
	if err != nil {
		return err
	}
	var targets []*proc // the proxies under test
	add := func(name string, cmd func(addr string) *exec.Cmd) error {
		c, addr, err := b.start(name, cmd)
		if err == nil {
			targets = append(targets, &proc{name: name, cmd: c, addr: addr})
		}
		return err
	}
	// The gateway writes its access line of every request, at info, into a
	// file; a second one collects garbage as the services do (GOGC=50, where
	// the gateway keeps Go's default), to show what that setting costs.
	gateway := func(log string, settings ...string) func(addr string) *exec.Cmd {
		return func(addr string) *exec.Cmd {
			cmd := b.self(append(settings, "GATEWAY_ADDR="+addr, "WAREHOUSE_URL=http://"+upstream, "LAB_DATA_DIR="+data,
				"LOG_LEVEL=info", "serve", "rest", "gateway")...)
			cmd.Stderr = b.file(log)
			return cmd
		}
	}
	if err := add("gateway", gateway("gateway.log")); err != nil {
		return err
	}
	if err := add("gateway, GOGC=50", gateway("gateway-gogc50.log", "GOGC=50")); err != nil {
		return err
	}
	if err := add("bare proxy", func(addr string) *exec.Cmd { return b.self("bench-proxy", addr, upstream) }); err != nil {
		return err
	}
	if nginx, err := exec.LookPath("nginx"); err == nil {
		if err := add("nginx", func(addr string) *exec.Cmd { return b.nginx(nginx, addr, upstream) }); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(stdout, "lab: nginx is not installed (apt-get install nginx-light): measuring the gateway and the bare proxy only")
	}
	path := "/api/products/" + warehouse.Seed[0].ProductID
	// The rate is the whole machine's: wrk, the upstream and the proxy share
	// its CPUs, and it moves with them. The proxy's own CPU time per request
	// (from /proc) is its cost alone, and moves much less.
	rates, cpus := map[string][]float64{}, map[string][]float64{}
	for r := 1; r <= *rounds; r++ {
		for _, t := range targets {
			before, err := cpuTime([]*proc{t})
			if err != nil {
				return err
			}
			rate, n, err := wrkRate(ctx, wrk, *threads, *conns, *duration, "http://"+t.addr+path)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			after, err := cpuTime([]*proc{t})
			if err != nil {
				return err
			}
			perRequest := float64((after - before).Microseconds()) / float64(n)
			fmt.Fprintf(stdout, "round %d of %d: %-16s %8.0f requests/s %6.1f µs of its CPU a request\n", r, *rounds, t.name, rate, perRequest)
			rates[t.name] = append(rates[t.name], rate)
			cpus[t.name] = append(cpus[t.name], perRequest)
		}
	}
	fmt.Fprintf(stdout, "\n%d rounds of %s each, wrk -t%d -c%d, GET %s (one product, %d CPUs):\n\n",
		*rounds, *duration, *threads, *conns, "/api/products/{id}", runtime.NumCPU())
	fmt.Fprintln(stdout, "| proxy | requests/s (median, range) | against the bare proxy | against nginx | its CPU per request | against the bare proxy |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|")
	for _, t := range targets {
		name := t.name
		fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s | %s |\n", name, spread(rates[name], func(v float64) string { return strconv.Itoa(int(v)) }),
			ratioOf(rates[name], rates["bare proxy"]), ratioOf(rates[name], rates["nginx"]),
			spread(cpus[name], func(v float64) string { return fmt.Sprintf("%.1f µs", v) }), ratioOf(cpus[name], cpus["bare proxy"]))
	}
	return nil
}

// gwBench holds the processes of a bench run.
type gwBench struct {
	data  string
	mu    sync.Mutex
	procs []*exec.Cmd
	files []*os.File // the processes' log files, closed by stop
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

// benchProxyCommand is `lab bench-proxy <addr> <upstream>`: the bare reverse
// proxy the gateway is measured against — httputil.ReverseProxy with a
// buffer pool and 64 idle connections to its one upstream, nothing else.
func benchProxyCommand(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: lab bench-proxy <addr> <upstream host:port>")
	}
	u, err := url.Parse("http://" + args[1])
	if err != nil {
		return err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{Proxy: nil, MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
	rp.BufferPool = httpx.NewBufferPool()
	rp.ErrorLog = log.New(io.Discard, "", 0)
	srv := &http.Server{Addr: args[0], Handler: rp, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
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
