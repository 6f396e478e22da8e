package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// proc is one running process of the lab: a service or the gateway.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *lineWriter
	addr string        // where it listens
	done chan struct{} // closed once it has exited
	err  error         // how it exited; read only after done
}

// startProc starts cmd in a process group of its own, so that a Ctrl-C at the
// terminal reaches the runner only, and the runner can stop the process with all
// it may have started. Once the process has exited it is sent on exits.
func startProc(name, addr string, cmd *exec.Cmd, out *lineWriter, exits chan<- *proc) (*proc, error) {
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	// A grandchild that keeps the output pipe open must not hold Wait forever.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: out, addr: addr, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Flush()
		close(p.done)
		exits <- p
	}()
	return p, nil
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig to the process's group; a group that is gone already is no error.
func (p *proc) signal(sig syscall.Signal) {
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Signal(sig)
	}
}

// stopAll sends SIGTERM to every process group, waits up to grace for the
// processes to exit, then kills whatever is left. A signal on hurry (a second
// Ctrl-C) kills at once. It returns when every process has exited.
func stopAll(procs []*proc, grace time.Duration, hurry <-chan os.Signal) {
	for _, p := range procs {
		p.signal(syscall.SIGTERM)
	}
	timeout := time.NewTimer(grace)
	defer timeout.Stop()
wait:
	for _, p := range procs {
		select {
		case <-p.done:
		case <-timeout.C:
			break wait
		case <-hurry:
			break wait
		}
	}
	for _, p := range procs {
		// Also sweeps the group of a process that has exited, in case it left a child behind.
		p.signal(syscall.SIGKILL)
		<-p.done
	}
}
