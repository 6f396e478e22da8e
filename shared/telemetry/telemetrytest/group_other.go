//go:build !unix

package telemetrytest

import "os/exec"

func ownGroup(*exec.Cmd) {}

// stop kills the command and waits for it.
func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}
