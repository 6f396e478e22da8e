//go:build !unix

package acceptance

import (
	"net"
	"strconv"
)

// portHold is a loopback TCP port the test holds: here by listening on it,
// so that a connection to it waits instead of being refused.
type portHold struct {
	net.Listener
	addr string
}

// holdPort holds the loopback port, or a free one the kernel draws when port is 0.
func holdPort(port int) (*portHold, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	return &portHold{Listener: ln, addr: ln.Addr().String()}, nil
}
