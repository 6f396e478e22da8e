package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/faults"
)

// pauseCommand runs `lab pause <service>` and `lab resume <service>`: it sets
// the service's fault injection to down: hang (or lifts it) through the
// gateway of the running lab, keeping the other faults in force. A paused
// service takes every request and answers none, and its consumer takes no
// event, until it is resumed: the lab's own way to make one service stop,
// which pauses no other process of the machine.
func pauseCommand(ctx context.Context, args []string, stdout io.Writer) error {
	verb := args[0]
	if len(args) != 2 || !slices.Contains(config.Services, args[1]) {
		return fmt.Errorf("usage: lab %s <service>: one of %s", verb, strings.Join(config.Services, ", "))
	}
	service := args[1]
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	gateway := "http://" + config.DialAddr(cfg.Addrs["gateway"])
	fc := faults.ViaGateway(gateway, service)
	fc.HTTP = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	st, err := fc.Get(ctx)
	if err != nil {
		return fmt.Errorf("no lab answers at %s (start one with make run, or set LAB_PORT_BASE to the one it runs on): %w", gateway, err)
	}
	s := st.Settings
	s.Down = faults.Up
	if verb == "pause" {
		s.Down = faults.Hang
	}
	if _, err := fc.Set(ctx, s); err != nil {
		return err
	}
	if verb == "pause" {
		fmt.Fprintf(stdout, "lab: %s paused: it takes every request and answers none, and handles no event, until lab resume %s\n", service, service)
	} else {
		fmt.Fprintf(stdout, "lab: %s resumed: the requests it held go on\n", service)
	}
	return nil
}
