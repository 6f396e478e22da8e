package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// The bounds of GET /api/lab/metrics/query_range: what a live chart needs,
// and no more, so that the lab panel cannot make Prometheus work hard.
const (
	metricsTimeout  = 10 * time.Second
	maxQueryLen     = 2000
	minStep         = 1.0                   // seconds
	maxStep         = 3600.0                // seconds
	maxRange        = 24 * 3600.0           // seconds between start and end
	maxPoints       = 1500                  // (end-start)/step
	maxMetricsReply = 8 << 20               // bytes of Prometheus's answer
	queryRangePath  = "/api/v1/query_range" // the one Prometheus path the gateway asks
)

// metricsQueryRange forwards a range query to Prometheus's /api/v1/query_range
// (and nowhere else), with the query, start, end and step checked first.
func (g *gateway) metricsQueryRange(c *gin.Context) {
	if g.prometheus == nil {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusNotFound, "this variant has no metrics: no Prometheus runs beside it"))
		return
	}
	q, errs := rangeQuery(c.Request.URL.Query())
	if len(errs) > 0 {
		httpx.WriteError(c, domain.Invalid(errs...))
		return
	}
	target := *g.prometheus
	target.Path = strings.TrimSuffix(target.Path, "/") + queryRangePath
	target.RawQuery = q.Encode()
	target.Fragment = ""
	req, err := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, target.String(), nil)
	if err != nil {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadGateway, "Prometheus could not be asked"))
		return
	}
	req.Header.Set("Accept", "application/json")
	resp, err := g.metricsClient.Do(req)
	if err != nil {
		detail := "Prometheus did not answer"
		if isTimeout(err) {
			detail = fmt.Sprintf("Prometheus did not answer within %s", metricsTimeout)
		}
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadGateway, detail))
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetricsReply+1))
	if err != nil || len(body) > maxMetricsReply {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadGateway, "Prometheus's answer could not be read in full"))
		return
	}
	var answer struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal(body, &answer) != nil || answer.Status == "" {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadGateway, fmt.Sprintf("Prometheus answered %d without a JSON result", resp.StatusCode)))
		return
	}
	if answer.Status != "success" {
		// A query Prometheus refuses is the client's (bad_data); anything else is Prometheus's.
		if answer.ErrorType == "bad_data" || resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnprocessableEntity {
			httpx.WriteError(c, domain.Invalid(domain.FieldError{Field: "query", Message: "refused by Prometheus: " + answer.Error}))
			return
		}
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadGateway, "Prometheus failed the query: "+answer.Error))
		return
	}
	c.Data(http.StatusOK, "application/json", body)
}

// rangeQuery checks the parameters of a range query and returns the ones
// sent on; anything else given is refused.
func rangeQuery(in url.Values) (url.Values, []domain.FieldError) {
	var errs []domain.FieldError
	bad := func(field, msg string) { errs = append(errs, domain.FieldError{Field: field, Message: msg}) }
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v := in[k]
		switch k {
		case "query", "start", "end", "step":
			if len(v) > 1 {
				bad(k, "is given more than once")
			}
		default:
			bad(k, "is not a known parameter: want query, start, end and step")
		}
	}
	query := strings.TrimSpace(in.Get("query"))
	switch {
	case query == "":
		bad("query", "is required: a PromQL expression")
	case len(query) > maxQueryLen:
		bad("query", fmt.Sprintf("must be at most %d characters", maxQueryLen))
	case strings.ContainsRune(query, 0):
		bad("query", "must not contain a NUL character")
	}
	number := func(field string) (float64, bool) {
		raw := in.Get(field)
		if raw == "" {
			bad(field, "is required: seconds since the epoch")
			return 0, false
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			bad(field, "must be a number of seconds since the epoch")
			return 0, false
		}
		return f, true
	}
	start, okStart := number("start")
	end, okEnd := number("end")
	step := 0.0
	okStep := false
	if raw := in.Get("step"); raw == "" {
		bad("step", "is required: seconds between points")
	} else if f, err := strconv.ParseFloat(raw, 64); err != nil || math.IsNaN(f) || f < minStep || f > maxStep {
		bad("step", fmt.Sprintf("must be a number of seconds from %g to %g", minStep, maxStep))
	} else {
		step, okStep = f, true
	}
	if okStart && okEnd {
		switch {
		case end < start:
			bad("end", "must not be before start")
		case end-start > maxRange:
			bad("end", fmt.Sprintf("must be at most %g seconds after start", maxRange))
		case okStep && (end-start)/step > maxPoints:
			bad("step", fmt.Sprintf("is too small for the range: at most %d points", maxPoints))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	out := url.Values{}
	out.Set("query", query)
	out.Set("start", strconv.FormatFloat(start, 'f', -1, 64))
	out.Set("end", strconv.FormatFloat(end, 'f', -1, 64))
	out.Set("step", strconv.FormatFloat(step, 'f', -1, 64))
	return out, nil
}
