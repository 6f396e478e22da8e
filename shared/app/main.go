package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Main runs the service named by the first argument of the variant's binary until
// SIGINT or SIGTERM. It is the whole main function of every variant.
func Main(v Variant) {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s <service>\n  services: %s, gateway\n", os.Args[0], strings.Join(config.Services, ", "))
		os.Exit(2)
	}
	if err := run(v, os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", v.Name, os.Args[1], err)
		os.Exit(1)
	}
}

func run(v Variant, name string) error {
	if name == "gateway" {
		return runGateway(v)
	}
	cfg, err := config.LoadService(name, v.Name, config.Env)
	if err != nil {
		return err
	}
	log := config.NewLogger(cfg.Log, name)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	ln, err := httpx.Listen(cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	svc, err := Build(ctx, v, cfg, log)
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
	return httpx.Serve(ctx, ln, svc.Handler, log, 5*time.Second)
}

// runGateway runs the variant's gateway: the shared one with the variant's options.
func runGateway(v Variant) error {
	cfg, err := config.LoadGateway(config.Env)
	if err != nil {
		return err
	}
	log := config.NewLogger(cfg.Log, "gateway")
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ln, err := httpx.Listen(cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	h, err := BuildGateway(v, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("listening", "variant", v.Name, "addr", ln.Addr().String(), "ui", cfg.UIDist)
	return httpx.Serve(ctx, ln, h, log, 5*time.Second)
}
