package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/balance"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Table is a pattern's state at one service: named columns and a row per thing
// the pattern keeps (a breaker per callee, a bucket per client …). Cells are
// strings, numbers or booleans, so that any client can draw any pattern.
type Table struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// NamedTable is one pattern's state at a service.
type NamedTable struct {
	Pattern string `json:"pattern"`
	Table
}

// ServiceStates is what a service answers at GET /admin/patterns.
type ServiceStates struct {
	Patterns []NamedTable `json:"patterns"`
}

// PatternInfo names one pattern of the running variant.
type PatternInfo struct {
	Name        string `json:"name"`
	Category    string `json:"category"`
	Description string `json:"description"`
}

// PatternsInfo is the answer of GET /api/lab/patterns.
type PatternsInfo struct {
	Variant  string         `json:"variant"`
	Patterns []PatternState `json:"patterns"`
}

// PatternState is one pattern and its state at every process that keeps one.
type PatternState struct {
	PatternInfo
	Services []ServiceTable `json:"services"`
}

// ServiceTable is a pattern's state at one process, or why it is not known.
type ServiceTable struct {
	Service string   `json:"service"`
	Columns []string `json:"columns,omitempty"`
	Rows    [][]any  `json:"rows,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// displayOrder is the order in which every lab view lists the processes.
var displayOrder = []string{"gateway", "customers", "ordering", "warehouse", "shipping", "billing"}

// patterns answers the state of every pattern of the variant, gathered from
// each service's /admin/patterns (concurrently; from every instance of a
// scaled-out service, each named as its instance: warehouse, warehouse-2)
// and the gateway's own.
func (g *gateway) patterns(c *gin.Context) {
	out := PatternsInfo{Variant: g.variant, Patterns: []PatternState{}}
	if len(g.opts.patterns) == 0 {
		c.JSON(http.StatusOK, out)
		return
	}
	type part struct {
		name, url string // the process's, and its base URL ("" for the gateway)
		states    ServiceStates
		err       error
	}
	var parts []*part
	for _, name := range displayOrder {
		if name == "gateway" {
			parts = append(parts, &part{name: name})
			continue
		}
		for k, u := range g.instances[name] {
			parts = append(parts, &part{name: config.InstanceName(name, k), url: u})
		}
	}
	var wg sync.WaitGroup
	for _, p := range parts {
		switch {
		case p.url != "":
			wg.Go(func() { p.states, p.err = g.serviceStates(c.Request.Context(), p.name, p.url) })
		case g.opts.local != nil:
			p.states = g.opts.local()
		}
	}
	wg.Wait()
	for _, pi := range g.opts.patterns {
		ps := PatternState{PatternInfo: pi, Services: []ServiceTable{}}
		for _, p := range parts {
			if p.err != nil {
				ps.Services = append(ps.Services, ServiceTable{Service: p.name, Error: p.err.Error()})
				continue
			}
			for _, t := range p.states.Patterns {
				if t.Pattern == pi.Name {
					ps.Services = append(ps.Services, ServiceTable{Service: p.name, Columns: t.Columns, Rows: t.Rows})
				}
			}
		}
		out.Patterns = append(out.Patterns, ps)
	}
	c.JSON(http.StatusOK, out)
}

// serviceStates asks the process name, at base URL base, for its patterns' state.
func (g *gateway) serviceStates(ctx context.Context, name, base string) (ServiceStates, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var out ServiceStates
	url := strings.TrimSuffix(base, "/") + "/admin/patterns"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return out, err
	}
	req.Header.Set(httpx.RequestIDHeader, httpx.RequestID(ctx))
	resp, err := g.probe.Do(req)
	if err != nil {
		return out, fmt.Errorf("%s did not answer", name)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return out, fmt.Errorf("%s answered %s", name, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return out, fmt.Errorf("%s answered no pattern state", name)
	}
	return out, nil
}

// perService returns the transport of every service: next, through the
// service's balancing pool when it has one (under the patterns' wrappers: a
// retry or a breaker sees one service, whichever instance answers), wrapped
// by every wrapper.
func perService(next http.RoundTripper, pools map[string]*balance.Pool, wraps []func(string, http.RoundTripper) http.RoundTripper) map[string]http.RoundTripper {
	byService := map[string]http.RoundTripper{}
	for _, name := range config.Services {
		t := next
		if p := pools[name]; p != nil {
			t = p.Transport(next)
		}
		for i := len(wraps) - 1; i >= 0; i-- {
			t = wraps[i](name, t)
		}
		byService[name] = t
	}
	return byService
}
