package main

import "syscall"

// sysProcAttr puts a process in a group of its own, and has the kernel stop it
// should the runner die without stopping it (kill -9): no orphan keeps a port.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
