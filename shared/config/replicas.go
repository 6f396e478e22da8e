package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// MaxReplicas caps LAB_REPLICAS: the instances of one lab take the ports
// base+20·k+offset (k = 1 … MaxReplicas-1, offset 1 … 5), which stay below
// base+100, so two labs whose bases are 100 apart never meet.
const MaxReplicas = 5

// replicaStride is the distance between two instances' ports: instance k
// (counting from 0) of a service listens on its default port + k·replicaStride,
// moved by LAB_PORT_BASE like the default one: clear of the default ports
// (base … base+6, auth's included) and within the 100 ports of its lab.
const replicaStride = 20

// The databases the runner can put the services on (LAB_DATABASE).
const (
	DatabaseSQLite   = "sqlite"
	DatabasePostgres = "postgres"
)

// DefaultPostgresURL is the local PostgreSQL server the runner uses when
// LAB_POSTGRES_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Instance is one running copy of a service.
type Instance struct {
	Name    string // what the console and the lab call it: warehouse, warehouse-2 …
	Service string // the service it is an instance of
	Index   int    // 0 for the first instance
	Addr    string // its listen address
	URL     string // where clients reach it
}

// InstanceName names instance k (from 0) of service: the service's name for
// the first, then service-2, service-3 …
func InstanceName(service string, k int) string {
	if k == 0 {
		return service
	}
	return fmt.Sprintf("%s-%d", service, k+1)
}

// ServiceOf returns the service an instance name belongs to (warehouse-2 → warehouse).
func ServiceOf(name string) string {
	if i := strings.LastIndex(name, "-"); i > 0 {
		if _, ok := DefaultPorts[name[:i]]; ok {
			return name[:i]
		}
	}
	return name
}

// loadReplicas reads LAB_REPLICAS, LAB_DATABASE and LAB_POSTGRES_URL into r,
// and lays out the instances of every service from addrs (the first
// instance's listen address, moved by LAB_PORT_BASE).
func loadReplicas(rd *reader, r *Runner, base int) {
	r.Replicas = rd.integer("LAB_REPLICAS", 1)
	if r.Replicas < 1 || r.Replicas > MaxReplicas {
		rd.fail("LAB_REPLICAS", fmt.Errorf("want between 1 and %d instances of each service, got %d", MaxReplicas, r.Replicas))
		r.Replicas = 1
	}
	def := DatabaseSQLite
	if r.Replicas > 1 {
		def = DatabasePostgres
	}
	r.Database = rd.str("LAB_DATABASE", def)
	if r.Database != DatabaseSQLite && r.Database != DatabasePostgres {
		rd.fail("LAB_DATABASE", fmt.Errorf("want sqlite or postgres, got %q", r.Database))
	}
	r.PostgresURL = rd.str("LAB_POSTGRES_URL", DefaultPostgresURL)
	if base+DefaultPorts["auth"]-DefaultPorts["gateway"]+(r.Replicas-1)*replicaStride > 65535 {
		rd.fail("LAB_PORT_BASE", fmt.Errorf("%d instances of each service need ports up to %d",
			r.Replicas, base+6+(r.Replicas-1)*replicaStride))
	}
	r.Instances = map[string][]Instance{}
	for _, svc := range Services {
		first := r.Addrs[svc]
		for k := range r.Replicas {
			in := Instance{Name: InstanceName(svc, k), Service: svc, Index: k, Addr: first, URL: r.URLOf[svc]}
			if k > 0 {
				in.Addr = shiftPort(first, k*replicaStride)
				in.URL = "http://" + DialAddr(in.Addr)
				r.Addrs[in.Name] = in.Addr
			}
			r.Instances[svc] = append(r.Instances[svc], in)
		}
	}
}

// shiftPort moves the port of a listen address by d.
func shiftPort(addr string, d int) string {
	i := strings.LastIndex(addr, ":")
	var port int
	if i < 0 || func() bool { _, err := fmt.Sscanf(addr[i+1:], "%d", &port); return err != nil }() {
		return addr
	}
	return fmt.Sprintf("%s:%d", addr[:i], port+d)
}

// InstanceURLs returns the instances of a service as the comma-separated list
// its <SERVICE>_URL holds, first the one at position first (so that an
// instance names itself first).
func (r Runner) InstanceURLs(service string, first int) string {
	ins := r.Instances[service]
	urls := make([]string, 0, len(ins))
	for i := range ins {
		urls = append(urls, ins[(first+i)%len(ins)].URL)
	}
	return strings.Join(urls, ",")
}

// SplitURLs splits a <SERVICE>_URL into the URLs of the service's instances:
// one URL, or several separated by commas.
func SplitURLs(v string) []string {
	var out []string
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// SchemaName is the PostgreSQL schema of one service of a variant when the
// runner puts the lab on PostgreSQL: lab_<variant>_<service>, with every
// character other than a letter or a digit turned into an underscore.
func SchemaName(variant, service string) string {
	return "lab_" + nonWord.ReplaceAllString(strings.ToLower(variant), "_") + "_" + service
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// WithSearchPath returns a PostgreSQL URL whose connections use schema.
func WithSearchPath(pgURL, schema string) (string, error) {
	u, err := url.Parse(pgURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("LAB_POSTGRES_URL must be a postgres:// URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
