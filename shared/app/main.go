package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Serve runs one process of the variant — a service, or the gateway — until
// SIGINT or SIGTERM, configured from the environment.
func Serve(v Variant, name string) error {
	collectSooner(name)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if name == "gateway" {
		return serveGateway(ctx, v)
	}
	if _, ok := v.process(name); ok {
		return serveProcess(ctx, v, name)
	}
	cfg, err := config.LoadService(name, v.Name, config.Env)
	if err != nil {
		return err
	}
	log, flushLog := config.NewProcessLogger(cfg.Log, name)
	defer flushLog()
	ln, err := httpx.Listen(cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	svc, err := Build(ctx, v, cfg, config.Env, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer svc.Close()
	db := "sqlite " + cfg.SQLitePath
	if cfg.DatabaseURL != "" {
		db = "postgres " + config.MaskURL(cfg.DatabaseURL)
	}
	log.Info("listening", "variant", v.Name, "addr", ln.Addr().String(), "database", db, "shipping_delay", cfg.ShipDelay)
	return serve(ctx, ln, svc.Handler, log)
}

// serveGateway runs the variant's gateway.
func serveGateway(ctx context.Context, v Variant) error {
	cfg, err := config.LoadGateway(config.Env)
	if err != nil {
		return err
	}
	log, flushLog := config.NewProcessLogger(cfg.Log, "gateway")
	defer flushLog()
	ln, err := httpx.Listen(cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	h, closeGateway, err := BuildGateway(v, cfg, config.Env, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeGateway()
	log.Info("listening", "variant", v.Name, "addr", ln.Addr().String(), "ui", cfg.UIDist)
	return serve(ctx, ln, h, log)
}

// serveProcess runs an extra process of the variant's patterns (Process).
func serveProcess(ctx context.Context, v Variant, name string) error {
	cfg, err := config.LoadProcess(name, config.Env)
	if err != nil {
		return err
	}
	log, flushLog := config.NewProcessLogger(cfg.Log, name)
	defer flushLog()
	ln, err := httpx.Listen(cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	h, closeProcess, err := BuildProcess(ctx, v, name, cfg.URL, config.Env, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeProcess()
	log.Info("listening", "variant", v.Name, "addr", ln.Addr().String(), "url", cfg.URL)
	return serve(ctx, ln, h, log)
}

func serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	err := httpx.Serve(ctx, ln, h, log, 5*time.Second)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// GCPercent is the garbage collector's target for a service of the lab (and
// a pattern's process), unless GOGC says otherwise: a new collection when the
// heap has grown by half of what the last one left live, not by all of it
// (Go's default, 100). A service's live heap is a few megabytes, so its
// garbage is most of what it holds; after 600 orders, lab compare measured the
// rest stack at 68–73 MB (proportional set size) with 50 against 112–119 MB
// with 100, at the same CPU per order (22.5–23.3 ms against 22.3–23.3 ms).
//
// The gateway keeps Go's default: it holds no data, and what it allocates —
// each proxied request's copy and buffers — is garbage within the request; at
// 50 it would collect twice as often, which lab bench-gateway measures (its
// "gateway, GOGC=50" row).
const GCPercent = 50

// collectSooner sets GCPercent for process name when the environment sets no
// GOGC; the gateway keeps Go's default.
func collectSooner(name string) {
	if _, set := os.LookupEnv("GOGC"); !set && name != "gateway" {
		debug.SetGCPercent(GCPercent)
	}
}
