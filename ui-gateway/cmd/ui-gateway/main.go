// Command ui-gateway is the lab's entry point: it proxies the API to the services
// of the running variant, serves the UI and answers /api/lab/*.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	gateway "github.com/microservice-patterns/lab/ui-gateway"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ui-gateway:", err)
		os.Exit(1)
	}
}

func run() error {
	// =========================================================================
	// Configuration and logging

	cfg, err := config.LoadGateway(config.Env)
	if err != nil {
		return err
	}
	log := config.NewLogger(cfg.Log, "gateway")
	log.Info("starting", "variant", cfg.Variant, "addr", cfg.Addr, "ui", cfg.UIDist,
		"upstream_timeout", cfg.UpstreamTimeout, "urls", cfg.URLs)

	// =========================================================================
	// Gateway

	h, err := gateway.New(cfg, log)
	if err != nil {
		return err
	}

	// =========================================================================
	// Serve until SIGINT or SIGTERM

	ln, err := httpx.Listen(cfg.Addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("listening", "addr", ln.Addr().String())
	if err := httpx.Serve(ctx, ln, h, log, 5*time.Second); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}
