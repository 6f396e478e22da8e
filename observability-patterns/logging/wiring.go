// Package logging is the correlated-logging pattern: every service and the
// gateway write JSON lines, and each line written while a request or a message
// is handled names the request, the trace and the order it belongs to
// (logging.go). Compose it with any base; with tracing too, the lines carry
// the ids of the trace the viewer shows.
package logging

import (
	"io"
	"log/slog"
	"os"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/bridges/otelslog"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/telemetry"
)

// Pattern is correlated logging, writing to the process's standard error.
var Pattern = app.RegisterPattern(New(os.Stderr), "rest")

// New returns the pattern writing its lines to w (a test gives a buffer).
func New(w io.Writer) *app.Pattern {
	return &app.Pattern{
		Name:        "logging",
		Category:    "observability",
		Description: "JSON logs in which every line names its request, trace, span and order",
		Extend:      func(s app.Scope) (*app.Extension, error) { return extend(s, w) },
	}
}

// extend replaces the service's logger with a JSON one that adds the ids its
// context carries, and names the order of each request and each message in
// that context. The middleware takes the tracing slot, after the tracing
// pattern's own, so that the access log line carries the ids too.
//
// When an OTLP endpoint is set (the runner sets the trace viewer's when
// tracing runs too), every line also leaves the process as an OpenTelemetry
// log record, so that the viewer shows each trace's lines beside its spans.
func extend(s app.Scope, w io.Writer) (*app.Extension, error) {
	cfg, err := config.LoadService(serviceOrOrdering(s.Service), s.Variant, s.Env)
	if err != nil {
		return nil, err
	}
	tcfg, err := config.LoadTelemetry(s.Env)
	if err != nil {
		return nil, err
	}
	tel, err := telemetry.New(s.Service, tcfg, telemetry.Signals{Logs: true})
	if err != nil {
		return nil, err
	}
	var export slog.Handler
	if tel.Exporting() {
		export = otelslog.NewHandler("github.com/microservice-patterns/lab/"+s.Service,
			otelslog.WithLoggerProvider(tel.LoggerProvider()))
	}
	return &app.Extension{
		Logger:  func(*slog.Logger) *slog.Logger { return newLogger(w, cfg.Log.Level, s.Service, export) },
		Tracing: []gin.HandlerFunc{orderOfRequest},
		Handle:  handled,
		Close:   tel.Close,
	}, nil
}

// serviceOrOrdering names a service whose settings hold the log level (the
// gateway reads the same LOG_LEVEL).
func serviceOrOrdering(name string) string {
	if name == "gateway" {
		return "ordering"
	}
	return name
}
