package metrics

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/telemetry/telemetrytest"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestPrometheusScrapesEveryProcess runs the companion for real against
// rest+metrics: every process is up as a target, the rules are loaded, and
// an order shows in a query.
func TestPrometheusScrapesEveryProcess(t *testing.T) {
	testenv.Program(t, "prometheus", "apt-get install prometheus") // before the lab starts, not after
	st := telemetrytest.Start(t, app.MustCompose(rest.Base, Pattern), nil)
	targets := []app.Target{{Name: "gateway", Addr: strings.TrimPrefix(st.URL, "http://")}}
	for name, u := range st.Services {
		targets = append(targets, app.Target{Name: name, Addr: strings.TrimPrefix(u, "http://")})
	}
	addr := net.JoinHostPort("127.0.0.1", telemetrytest.FreePort(t))
	env := map[string]string{"PROMETHEUS_ADDR": addr}
	prom := telemetrytest.StartCompanion(t, Prometheus, app.CompanionScope{Variant: "rest+metrics", Targets: targets,
		Env: func(k string) string { return env[k] }})
	run := prom.Run
	base := strings.TrimSuffix(run.Ready, "/-/ready")
	if prom.Env()["LAB_PROMETHEUS_URL"] != base {
		t.Errorf("the processes are not told where it is: %v", run.Env)
	}
	telemetrytest.PlaceOrder(t, st.URL)
	// Prometheus scrapes every 5 s.
	prom.Eventually(t, "every process up and the order counted", func() bool {
		up := query(t, base, `sum(up{job="lab"})`)
		orders := query(t, base, `sum(lab_orders_created_total)`)
		return up == float64(len(targets)) && orders >= 1
	})
	var rules struct {
		Data struct {
			Groups []struct{ Name string } `json:"groups"`
		} `json:"data"`
	}
	get(t, base+"/api/v1/rules", &rules)
	if len(rules.Data.Groups) != 2 {
		t.Errorf("rule groups loaded: %+v, want lab-recording and lab-alerts", rules.Data.Groups)
	}
}

// query answers the one value of an instant query, or -1.
func query(t *testing.T, base, q string) float64 {
	var r struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if !get(t, base+"/api/v1/query?query="+url.QueryEscape(q), &r) || len(r.Data.Result) != 1 || len(r.Data.Result[0].Value) != 2 {
		return -1
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	var v float64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return -1
	}
	return v
}

func get(t *testing.T, u string, into any) bool {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(into) == nil
}
