package main

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// checkPorts makes sure every address can be listened on before anything
// starts, so that a port in use is one clear line rather than a process dying.
func checkPorts(names []string, addrs map[string]string) error {
	for _, name := range names {
		ln, err := net.Listen("tcp", addrs[name])
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				_, port, _ := net.SplitHostPort(addrs[name])
				return fmt.Errorf("port %s for %s is in use", port, name)
			}
			return fmt.Errorf("cannot listen on %s for %s: %w", addrs[name], name, err)
		}
		_ = ln.Close()
	}
	return nil
}
