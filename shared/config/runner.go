package config

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Runner is what the lab runner (cmd/lab) needs to know to start a variant.
type Runner struct {
	DataDir string // LAB_DATA_DIR
	// Addrs are the listen addresses of "gateway" and of each service:
	// GATEWAY_ADDR and <SVC>_ADDR; LAB_PORT_BASE moves the default ports
	// (base for the gateway, base+1 for customers …) so that a second run fits beside the first.
	Addrs        map[string]string
	URLs         URLs              // <SVC>_URL; by default http:// and the service's listen address
	URLOf        map[string]string // <NAME>_URL of every process in DefaultPorts, the extra ones too
	AMQPURL      string            // AMQP_URL
	RunID        string            // LAB_RUN_ID
	NoColor      bool              // NO_COLOR: any value turns colours off
	ReadyTimeout time.Duration     // LAB_READY_TIMEOUT: how long the services may take to be ready
	StopGrace    time.Duration     // LAB_STOP_GRACE: how long a process may take to stop before it is killed
	// Replicas is how many instances of every service run (LAB_REPLICAS,
	// default 1); Instances lays them out by service, the first at Addrs[service].
	Replicas  int
	Instances map[string][]Instance
	// Database is where the services keep their data (LAB_DATABASE): sqlite
	// (the default with one instance) or postgres (the default with more);
	// PostgresURL is the server (LAB_POSTGRES_URL), one schema per service.
	Database    string
	PostgresURL string
}

// LoadRunner reads the configuration of the lab runner.
func LoadRunner(env Getenv) (Runner, error) {
	r := reader{env: env}
	base := r.integer("LAB_PORT_BASE", DefaultPorts["gateway"])
	if base < 1 || base > 65535-10 {
		r.fail("LAB_PORT_BASE", fmt.Errorf("want a port between 1 and 65525, got %d", base))
	}
	addrs := map[string]string{}
	for name := range DefaultPorts { // the gateway, the services and the patterns' extra processes
		port := base + DefaultPorts[name] - DefaultPorts["gateway"]
		addrs[name] = r.str(strings.ToUpper(name)+"_ADDR", fmt.Sprintf("127.0.0.1:%d", port))
	}
	url := func(name string) string {
		return r.str(strings.ToUpper(name)+"_URL", "http://"+DialAddr(addrs[name]))
	}
	urls := map[string]string{}
	for name := range DefaultPorts {
		urls[name] = url(name)
	}
	run := Runner{
		DataDir: r.str("LAB_DATA_DIR", "data"),
		Addrs:   addrs,
		URLOf:   urls,
		URLs: URLs{Customers: url("customers"), Ordering: url("ordering"), Warehouse: url("warehouse"),
			Shipping: url("shipping"), Billing: url("billing")},
		AMQPURL:      r.str("AMQP_URL", "amqp://guest:guest@localhost:5672/"),
		RunID:        r.str("LAB_RUN_ID", ""),
		NoColor:      env("NO_COLOR") != "",
		ReadyTimeout: r.duration("LAB_READY_TIMEOUT", 20*time.Second),
		StopGrace:    r.duration("LAB_STOP_GRACE", 5*time.Second),
	}
	loadReplicas(&r, &run, base)
	return run, r.err
}

// DialAddr turns a listen address into one a client can dial: an empty or
// unspecified host (":8080", "0.0.0.0:8080") becomes the loopback address.
func DialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
