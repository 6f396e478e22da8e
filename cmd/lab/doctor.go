package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/microservice-patterns/lab/shared/config"
)

// A check of lab doctor: what it looks at, what needs it, and how to fix it.
type check struct {
	name   string
	needed string // what needs it
	run    func(ctx context.Context, m machine) (found string, err error)
	fix    string
}

// machine is what the checks look at; tests replace it with fakes.
type machine struct {
	output   func(ctx context.Context, name string, args ...string) (string, error) // a command's output
	amqp     func(amqpURL string) error                                             // an AMQP login
	httpGet  func(ctx context.Context, url, user, password string) (int, error)     // a status
	postgres func(ctx context.Context, url string) error                            // a connection
	listen   func(addr string) error                                                // can a port be listened on
	env      config.Getenv
}

// realMachine is this machine.
func realMachine() machine {
	return machine{
		output: func(ctx context.Context, name string, args ...string) (string, error) {
			out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
			return strings.TrimSpace(string(out)), err
		},
		amqp: amqpLogin,
		httpGet: func(ctx context.Context, u, user, password string) (int, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return 0, err
			}
			req.SetBasicAuth(user, password)
			resp, err := (&http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}).Do(req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			return resp.StatusCode, nil
		},
		postgres: func(ctx context.Context, u string) error {
			ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			conn, err := pgx.Connect(ctx, u)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			return conn.Ping(ctx)
		},
		listen: func(addr string) error {
			ln, err := net.Listen("tcp", addr)
			if err == nil {
				ln.Close()
			}
			return err
		},
		env: config.Env,
	}
}

// minGo and minNode are the oldest versions the lab is built and tested with.
const (
	minGo   = "1.26"
	minNode = 20
)

// checks are lab doctor's checks, in the order it prints them.
func checks() []check {
	return []check{
		{name: "Go", needed: "everything", run: checkGo,
			fix: "install Go " + minGo + " or later: https://go.dev/dl/ (then `go version`)"},
		{name: "Node and npm", needed: "the web UI (make ui)", run: checkNode,
			fix: fmt.Sprintf("install Node %d or later with npm: `apt-get install nodejs npm`, or https://nodejs.org/", minNode)},
		{name: "RabbitMQ", needed: "the asynchronous variants, make test", run: checkRabbit,
			fix: "`apt-get install rabbitmq-server && rabbitmq-server -detached`, or `docker run -d --name rabbitmq -p 5672:5672 -p 15672:15672 rabbitmq:3-management`; or set AMQP_URL to a broker you have"},
		{name: "RabbitMQ management", needed: "watching queues and messages (the exercises)", run: checkManagement,
			fix: "`rabbitmq-plugins enable rabbitmq_management`, then http://localhost:15672 (guest / guest)"},
		{name: "PostgreSQL", needed: "make test (the store suite on PostgreSQL)", run: checkPostgres,
			fix: "`apt-get install postgresql`, allow the user postgres without a password from 127.0.0.1 (trust in pg_hba.conf) and `createdb -h 127.0.0.1 -U postgres test`; or set LAB_TEST_POSTGRES_URL"},
		{name: "chromium", needed: "the browser tests of make test", run: checkChromium,
			fix: "`apt-get install chromium`"},
		{name: "prometheus", needed: "make run-metrics (the observability patterns)", run: checkPrometheus,
			fix: "`apt-get install prometheus`, or the binary from https://prometheus.io/download/ on PATH"},
		{name: "free ports", needed: "make run: the gateway and the services", run: checkPorts7,
			fix: "stop what listens there (`ss -ltnp` names it), or run the lab elsewhere: LAB_PORT_BASE=9080 make run"},
	}
}

// doctorCommand runs `lab doctor`: every check, one line each and how to fix
// what fails. It fails when a check does.
func doctorCommand(ctx context.Context, stdout io.Writer) error {
	if failed := doctor(ctx, realMachine(), stdout); failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed; fix them as said above, then run make doctor again", failed, len(checks()))
	}
	return nil
}

// doctor runs the checks on m and prints them; it answers how many failed.
func doctor(ctx context.Context, m machine, w io.Writer) int {
	fmt.Fprintln(w, "lab doctor: what the lab needs on this machine")
	failed := 0
	for _, c := range checks() {
		found, err := c.run(ctx, m)
		if err != nil {
			failed++
			fix := c.fix
			var own *fixedBy
			if errors.As(err, &own) {
				fix = own.fix
			}
			fmt.Fprintf(w, "  FAIL  %-20s %v\n", c.name, err)
			fmt.Fprintf(w, "        %-20s needed for %s; fix: %s\n", "", c.needed, fix)
			continue
		}
		fmt.Fprintf(w, "  ok    %-20s %s\n", c.name, found)
	}
	if failed == 0 {
		fmt.Fprintln(w, "all set: make run, then open http://localhost:8080")
	}
	return failed
}

// fixedBy is a failure with a fix of its own, instead of its check's.
type fixedBy struct {
	err error
	fix string
}

func (f *fixedBy) Error() string { return f.err.Error() }

var goVersion = regexp.MustCompile(`go(\d+)\.(\d+)`)

func checkGo(ctx context.Context, m machine) (string, error) {
	out, err := m.output(ctx, "go", "version")
	if err != nil {
		return "", fmt.Errorf("go version: %v", commandError(err, out))
	}
	v := goVersion.FindStringSubmatch(out)
	if v == nil {
		return "", fmt.Errorf("go version says %q", out)
	}
	if !atLeast(v[1]+"."+v[2], minGo) {
		return "", fmt.Errorf("go%s.%s is older than %s", v[1], v[2], minGo)
	}
	return strings.TrimPrefix(out, "go version "), nil
}

func checkNode(ctx context.Context, m machine) (string, error) {
	node, err := m.output(ctx, "node", "--version")
	if err != nil {
		return "", fmt.Errorf("node --version: %v", commandError(err, node))
	}
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(node, "v"), ".", 2)[0])
	if major < minNode {
		return "", fmt.Errorf("node %s is older than %d", node, minNode)
	}
	npm, err := m.output(ctx, "npm", "--version")
	if err != nil {
		return "", fmt.Errorf("node %s, but npm --version: %v", node, commandError(err, npm))
	}
	return "node " + node + ", npm " + npm, nil
}

func checkRabbit(_ context.Context, m machine) (string, error) {
	u := config.LoadTest(m.env).AMQPURL
	if err := m.amqp(u); err != nil {
		if strings.Contains(err.Error(), "refused the") { // it answers, and refuses the user or the vhost
			return "", &fixedBy{err, "set AMQP_URL to a user and vhost the broker has: `rabbitmqctl list_users`, `rabbitmqctl add_user …`"}
		}
		return "", err
	}
	return "logged in at " + config.MaskURL(u), nil
}

func checkManagement(ctx context.Context, m machine) (string, error) {
	u, err := url.Parse(config.LoadTest(m.env).AMQPURL)
	if err != nil {
		return "", err
	}
	api := "http://" + net.JoinHostPort(u.Hostname(), "15672") + "/api/overview"
	password, _ := u.User.Password()
	status, err := m.httpGet(ctx, api, u.User.Username(), password)
	if err != nil {
		return "", fmt.Errorf("no answer at %s: %v", api, err)
	}
	if status == http.StatusUnauthorized {
		return "", &fixedBy{fmt.Errorf("%s refuses the user of AMQP_URL", api),
			"a user with the management tag: `rabbitmqctl set_user_tags <user> management`"}
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("%s answers %d", api, status)
	}
	return "http://" + net.JoinHostPort(u.Hostname(), "15672") + "/", nil
}

func checkPostgres(ctx context.Context, m machine) (string, error) {
	u := config.LoadTest(m.env).PostgresURL
	if err := m.postgres(ctx, u); err != nil {
		return "", fmt.Errorf("%s: %v", config.MaskURL(u), err)
	}
	return "connected to " + config.MaskURL(u), nil
}

func checkChromium(ctx context.Context, m machine) (string, error) {
	var errs []error
	for _, name := range []string{"chromium", "chromium-browser"} {
		out, err := m.output(ctx, name, "--version")
		if err == nil {
			// Debian's wrapper script may say more than the version first.
			lines := strings.Split(out, "\n")
			return lines[len(lines)-1], nil
		}
		errs = append(errs, fmt.Errorf("%s: %v", name, commandError(err, out)))
	}
	return "", errors.Join(errs...)
}

func checkPrometheus(ctx context.Context, m machine) (string, error) {
	out, err := m.output(ctx, "prometheus", "--version")
	if err != nil {
		return "", fmt.Errorf("prometheus --version: %v", commandError(err, out))
	}
	return strings.SplitN(out, "\n", 2)[0], nil
}

// checkPorts7 checks the gateway's port and the six after it (the five
// services, and the auth service of the security patterns).
func checkPorts7(_ context.Context, m machine) (string, error) {
	cfg, err := config.LoadRunner(m.env)
	if err != nil {
		return "", err
	}
	host, port, err := net.SplitHostPort(cfg.Addrs["gateway"])
	if err != nil {
		return "", err
	}
	base, err := strconv.Atoi(port)
	if err != nil {
		return "", err
	}
	var busy []string
	for p := base; p <= base+6; p++ {
		if err := m.listen(net.JoinHostPort(host, strconv.Itoa(p))); err != nil {
			busy = append(busy, strconv.Itoa(p))
		}
	}
	if len(busy) > 0 {
		return "", fmt.Errorf("in use: %s", strings.Join(busy, ", "))
	}
	return fmt.Sprintf("%d–%d", base, base+6), nil
}

// commandError says why a command failed: not installed, or its own words.
func commandError(err error, out string) string {
	if errors.Is(err, exec.ErrNotFound) {
		return "not installed (not on PATH)"
	}
	if out != "" {
		return strings.SplitN(out, "\n", 2)[0]
	}
	return err.Error()
}

// atLeast compares two "major.minor" versions.
func atLeast(v, min string) bool {
	parse := func(s string) (int, int) {
		a, b, _ := strings.Cut(s, ".")
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x, y
	}
	vx, vy := parse(v)
	mx, my := parse(min)
	return vx > mx || (vx == mx && vy >= my)
}
