//go:build unix

package acceptance

import (
	"net"
	"strconv"
	"syscall"
)

// portHold is a loopback TCP port the test holds without listening on it: a
// connection to it is refused, as to a free port, but the kernel hands it to
// no other program, neither for a listener on port 0 nor as the local port
// of a connection.
type portHold struct {
	fd   int
	addr string
}

// holdPort holds the loopback port, or a free one the kernel draws when port is 0.
func holdPort(port int) (*portHold, error) {
	syscall.ForkLock.RLock() // no process the drill starts inherits the socket
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, err
	}
	// As a listener does, so that the connections a killed process left in
	// TIME_WAIT do not keep its port from the test.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return &portHold{fd: fd, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))}, nil
}

// Close lets the port go.
func (h *portHold) Close() error { return syscall.Close(h.fd) }
