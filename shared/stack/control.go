package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// readyTimeout bounds how long StartStack and StartService wait for /readyz.
const readyTimeout = 30 * time.Second

// running is one service of a stack: how to stop it and what to close after.
type running struct {
	addr   string
	cancel context.CancelFunc
	done   chan struct{}
	close  func() error
}

// track serves a built service on ln under a context of its own, so that
// StopService can stop it alone.
func (st *Stack) track(parent context.Context, name string, ln net.Listener, svc *app.Service) {
	ctx, cancel := context.WithCancel(parent)
	r := &running{addr: ln.Addr().String(), cancel: cancel, done: make(chan struct{}), close: svc.Close}
	st.mu.Lock()
	st.running[name] = r
	st.mu.Unlock()
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		defer close(r.done)
		if err := httpx.Serve(ctx, ln, svc.Handler, st.log, 2*time.Second); err != nil && !errors.Is(err, http.ErrServerClosed) {
			st.errs <- err
		}
	}()
}

// StopService stops one service of the stack as a crash would look from
// outside: its port closes, its consumer and relay stop, and its database is
// closed. Its data stays; StartService brings it back on the same port.
func (st *Stack) StopService(name string) error {
	st.mu.Lock()
	r, ok := st.running[name]
	delete(st.running, name)
	st.mu.Unlock()
	if !ok {
		return fmt.Errorf("service %q is not running", name)
	}
	r.cancel()
	<-r.done
	st.mu.Lock()
	defer st.mu.Unlock()
	st.stopped = append(st.stopped, stoppedService{name: name, addr: r.addr})
	return r.close()
}

// StartService starts a service that StopService stopped, on its old port and
// over its old data, and waits until it is ready.
func (st *Stack) StartService(name string) error {
	addr, err := st.takeStopped(name)
	if err != nil {
		return err
	}
	ln, err := httpx.Listen(addr)
	if err != nil {
		return fmt.Errorf("listen again on %s: %w", addr, err)
	}
	if err := st.startService(st.ctx, st.v, name, st.env, ln, st.log); err != nil {
		ln.Close()
		return err
	}
	return waitReady(st.ctx, map[string]string{name: "http://" + addr}, readyTimeout)
}

// stoppedService is a service StopService stopped.
type stoppedService struct{ name, addr string }

func (st *Stack) takeStopped(name string) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, s := range st.stopped {
		if s.name == name {
			st.stopped = append(st.stopped[:i], st.stopped[i+1:]...)
			return s.addr, nil
		}
	}
	return "", fmt.Errorf("service %q was not stopped", name)
}

// waitReady waits until every service of the stack answers /readyz with 200.
func (st *Stack) waitReady(ctx context.Context, timeout time.Duration) error {
	return waitReady(ctx, st.Instances, timeout)
}

// waitReady polls each base URL's /readyz until all answer 200 or timeout passes.
func waitReady(ctx context.Context, bases map[string]string, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for name, base := range bases {
		for {
			status, err := readyStatus(ctx, client, base)
			if err == nil && status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("%s is not ready after %s (status %d, %v)", name, timeout, status, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

func readyStatus(ctx context.Context, client *http.Client, base string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
