package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Serve runs one process of the variant — a service, or the gateway — until
// SIGINT or SIGTERM, configured from the environment.
func Serve(v Variant, name string) error {
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
	log := config.NewLogger(cfg.Log, name)
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
	log := config.NewLogger(cfg.Log, "gateway")
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
	log := config.NewLogger(cfg.Log, name)
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
