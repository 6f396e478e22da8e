package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Telemetry is a process's OpenTelemetry settings, from the standard OTEL_*
// variables. It turns nothing on: a pattern does (shared/telemetry), and these
// say where what it records goes.
type Telemetry struct {
	// Disabled is OTEL_SDK_DISABLED=true: every signal stays a no-op.
	Disabled bool
	// ServiceName is OTEL_SERVICE_NAME; empty means the process's own name.
	ServiceName string
	// TracesURL and LogsURL are the OTLP/HTTP URLs spans and log records are
	// sent to: OTEL_EXPORTER_OTLP_{TRACES,LOGS}_ENDPOINT as given, else
	// OTEL_EXPORTER_OTLP_ENDPOINT plus /v1/traces or /v1/logs. An endpoint
	// without a scheme gets http:// on a loopback host, https:// elsewhere.
	// Empty: nothing is exported (spans still get ids, so traces propagate).
	TracesURL, LogsURL string
	// Headers are OTEL_EXPORTER_OTLP_HEADERS (key=value,…), sent with every export.
	Headers map[string]string
	// TracesExporter and LogsExporter are OTEL_TRACES_EXPORTER and
	// OTEL_LOGS_EXPORTER: otlp (the default) or none.
	TracesExporter, LogsExporter string
	// Sampler is OTEL_TRACES_SAMPLER (default parentbased_always_on) and
	// SamplerArg its OTEL_TRACES_SAMPLER_ARG (the ratio of the traceidratio samplers).
	Sampler    string
	SamplerArg float64
	// Resource are OTEL_RESOURCE_ATTRIBUTES (key=value,…, values URL-encoded).
	Resource map[string]string
}

// Samplers are the values OTEL_TRACES_SAMPLER may take.
var Samplers = []string{"always_on", "always_off", "traceidratio",
	"parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"}

// LoadTelemetry reads the OpenTelemetry settings of a process.
func LoadTelemetry(env Getenv) (Telemetry, error) {
	r := reader{env: env}
	t := Telemetry{
		Disabled:       strings.EqualFold(r.str("OTEL_SDK_DISABLED", "false"), "true"),
		ServiceName:    r.str("OTEL_SERVICE_NAME", ""),
		TracesExporter: r.str("OTEL_TRACES_EXPORTER", "otlp"),
		LogsExporter:   r.str("OTEL_LOGS_EXPORTER", "otlp"),
		Sampler:        r.str("OTEL_TRACES_SAMPLER", "parentbased_always_on"),
		SamplerArg:     r.number("OTEL_TRACES_SAMPLER_ARG", 1),
		Headers:        keyValues(&r, "OTEL_EXPORTER_OTLP_HEADERS"),
		Resource:       keyValues(&r, "OTEL_RESOURCE_ATTRIBUTES"),
	}
	for _, k := range []struct{ key, value string }{
		{"OTEL_TRACES_EXPORTER", t.TracesExporter}, {"OTEL_LOGS_EXPORTER", t.LogsExporter},
	} {
		if k.value != "otlp" && k.value != "none" {
			r.fail(k.key, fmt.Errorf("want otlp or none, got %q", k.value))
		}
	}
	known := false
	for _, s := range Samplers {
		known = known || s == t.Sampler
	}
	if !known {
		r.fail("OTEL_TRACES_SAMPLER", fmt.Errorf("want one of %s, got %q", strings.Join(Samplers, ", "), t.Sampler))
	}
	if t.SamplerArg < 0 || t.SamplerArg > 1 {
		r.fail("OTEL_TRACES_SAMPLER_ARG", fmt.Errorf("want a ratio between 0 and 1, got %v", t.SamplerArg))
	}
	base := r.str("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.TracesURL = otlpURL(&r, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", base, "/v1/traces")
	t.LogsURL = otlpURL(&r, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", base, "/v1/logs")
	return t, r.err
}

// otlpURL is the URL of one signal: its own variable as given, else the base
// endpoint with the signal's path.
func otlpURL(r *reader, key, base, path string) string {
	raw, own := r.str(key, ""), true
	if raw == "" {
		raw, own = base, false
	}
	if raw == "" {
		return ""
	}
	if !strings.Contains(raw, "://") {
		scheme := "https://"
		if host, _, err := net.SplitHostPort(raw); err == nil && loopback(host) {
			scheme = "http://"
		} else if err != nil && loopback(strings.Split(raw, "/")[0]) {
			scheme = "http://"
		}
		raw = scheme + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		if !own {
			key = "OTEL_EXPORTER_OTLP_ENDPOINT"
		}
		r.fail(key, fmt.Errorf("want an http(s) URL such as http://127.0.0.1:4318, got %q", raw))
		return ""
	}
	if !own {
		u.Path = strings.TrimSuffix(u.Path, "/") + path
	}
	return u.String()
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// keyValues reads a list of key=value pairs separated by commas, whose values
// may be URL-encoded (the format of OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS).
func keyValues(r *reader, key string) map[string]string {
	raw := r.str(key, "")
	if raw == "" {
		return nil
	}
	out := map[string]string{}
	for _, pair := range strings.Split(raw, ",") {
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			r.fail(key, fmt.Errorf("want key=value pairs separated by commas, got %q", pair))
			return nil
		}
		if dv, err := url.QueryUnescape(strings.TrimSpace(v)); err == nil {
			v = dv
		}
		out[k] = strings.TrimSpace(v)
	}
	return out
}
