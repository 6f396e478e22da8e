//go:build unix

package telemetrytest

import (
	"os/exec"
	"syscall"
	"time"
)

// ownGroup puts the command in a process group of its own, so that stop
// reaches its children too.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// stop ends the command's process group, SIGTERM first and SIGKILL for
// whatever is left after a few seconds, and waits for the command.
func stop(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
}
