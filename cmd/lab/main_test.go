package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestMain lets the test binary play the parts the runner needs: started as
// "fake-service <name> <mode>" it is a fake service; started as "serve
// <variant> <name>", as the runner starts its processes, it is a ready service
// (or gateway); and through a link named lab, or with LAB_TEST_MAIN=1 (then
// its "serve" runs the real service), it is the runner itself.
func TestMain(m *testing.M) {
	switch {
	case os.Getenv("LAB_TEST_MAIN") == "1": // the lab itself, whatever it is asked
		main()
	case len(os.Args) == 4 && os.Args[1] == "serve":
		os.Exit(fakeService(os.Args[3], "ready"))
	case filepath.Base(os.Args[0]) == "lab":
		main()
	case len(os.Args) == 4 && os.Args[1] == "fake-service":
		os.Exit(fakeService(os.Args[2], os.Args[3]))
	}
	os.Exit(m.Run())
}

// fakeService listens where the configuration says and answers /readyz as mode says:
// ready, never (503), exit (fails at start), stubborn (ignores SIGTERM), die (exits
// soon after it is ready) or spawn (starts a child that outlives a SIGTERM).
func fakeService(name, mode string) int {
	addr, err := listenAddr(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Printf("%s starting (%s)\n", name, mode)
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "cannot open the database: disk on fire")
		return 3
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
	case "spawn":
		child := exec.Command("sleep", "60")
		if err := child.Start(); err != nil {
			return 2
		}
		fmt.Printf("child pid %d\n", child.Process.Pid)
	}
	// A dying service dies a moment after the whole lab is ready (the gateway,
	// started last, answers), however long that took: a test of it never races
	// the lab's start.
	var dying sync.Once
	die := func() {
		go func() {
			gw, _ := config.LoadGateway(config.Env)
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if resp, err := http.Get("http://" + gw.Addr + "/readyz"); err == nil {
					resp.Body.Close()
					break
				}
			}
			time.Sleep(300 * time.Millisecond)
			fmt.Println("out of memory")
			os.Exit(4)
		}()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	http.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		switch mode {
		case "never":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "die":
			dying.Do(die)
		}
	})
	_ = http.Serve(ln, nil)
	return 0
}

func listenAddr(name string) (string, error) {
	if name == "gateway" {
		cfg, err := config.LoadGateway(config.Env)
		return cfg.Addr, err
	}
	if !slices.Contains(config.Services, name) { // a pattern's own process (auth)
		p, err := config.LoadProcess(name, config.Env)
		return p.Addr, err
	}
	cfg, err := config.LoadService(name, "rest", config.Env)
	return cfg.Addr, err
}

// mustFreeAddrs returns a free loopback address for the gateway and each service.
func mustFreeAddrs(tb testing.TB) map[string]string {
	tb.Helper()
	addrs := map[string]string{}
	var lns []net.Listener
	for _, name := range names() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		lns = append(lns, ln)
		addrs[name] = ln.Addr().String()
	}
	for _, ln := range lns {
		ln.Close()
	}
	return addrs
}

// addrEnv is the environment that puts every process on addrs.
func addrEnv(addrs map[string]string) map[string]string {
	env := map[string]string{"NO_COLOR": "1"}
	for name, addr := range addrs {
		env[strings.ToUpper(name)+"_ADDR"] = addr
	}
	return env
}

// syncBuffer is the runner tests' output buffer, safe for the runner's goroutines.
type syncBuffer = testenv.Buffer

// newTestLab returns a lab whose processes are fake services, each in the mode
// modes gives it ("ready" when absent), on free ports.
func newTestLab(tb testing.TB, modes map[string]string) (*lab, *syncBuffer) {
	tb.Helper()
	env := addrEnv(mustFreeAddrs(tb))
	env["LAB_DATA_DIR"] = tb.TempDir()
	env["LAB_READY_TIMEOUT"] = "20s"
	env["LAB_STOP_GRACE"] = "2s"
	cfg, err := config.LoadRunner(func(k string) string { return env[k] })
	if err != nil {
		tb.Fatal(err)
	}
	out := &syncBuffer{}
	v, _ := lookup("rest")
	l := &lab{root: tb.TempDir(), variant: v, cfg: cfg, console: newConsole(out, false, names())}
	l.command = func(name string) *exec.Cmd {
		mode := modes[name]
		if mode == "" {
			mode = "ready"
		}
		return exec.Command(os.Args[0], "fake-service", name, mode)
	}
	return l, out
}

// mustBeFree fails if any process still listens on its address: every
// process of the lab has stopped. It dials rather than listens: on a busy
// machine any program's outgoing connection may hold a freed port as its own
// local port for a while (TIME_WAIT), and a listen there fails although no
// process of the lab is left.
func mustBeFree(tb testing.TB, addrs map[string]string) {
	tb.Helper()
	for _, name := range names() {
		conn, err := net.DialTimeout("tcp", addrs[name], time.Second)
		if err == nil {
			conn.Close()
			tb.Errorf("after the stop: something still listens on %s, %s's address", addrs[name], name)
		}
	}
}
