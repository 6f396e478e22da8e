package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

const usage = `usage: lab <command> [arguments]

A variant is <base>[+<pattern>…], e.g. event-notification+retry; a pattern
alone (circuit-breaker) is rest plus that pattern.

  lab list                         the bases, the patterns, and the tested combinations
  lab run <variant>                start the services and the gateway, wait until they
                                   are ready; Ctrl-C stops them all
  lab smoke <variant> [-ui]        start on fresh data, run the acceptance suite (and
                                   with -ui the browser tests), stop
  lab demo <variant> [-logs]       run the base alone and the variant under the same load
                                   and faults, and print their numbers side by side
  lab serve <variant> <service>    run one process of a variant (customers, ordering,
                                   warehouse, shipping, billing or gateway): what lab run
                                   starts, and what a container runs
  lab token [-password p] <user>   print an access token of user for the gateway of a
                                   running security variant (ada, grace, alan, margaret, admin)
  lab logs [-variant v] <id>       print, in time order, every line of the last run that
                                   names an order, a trace or a request id (with the
                                   logging pattern: every service's lines of one order)
  lab pause <service>              make one service of the running lab hang (its fault
                                   injection's down: hang), and its consumer hold its events
  lab resume <service>             let it go on
  lab doctor                       check Go, Node, RabbitMQ, PostgreSQL, chromium, prometheus
                                   and the free ports, and say how to fix each
  lab compare [-rounds 3] [variant …]
                                   run every variant named (default: every base and every
                                   pattern on rest) under the same workload, in interleaved
                                   rounds, with the warehouse down in the last; write the
                                   medians, spreads and ratios to rest to data/comparison.md
                                   and a chart beside it (-o docs/comparison.md refreshes that)
  lab bench-gateway [-rounds 5]    wrk through the gateway, a bare Go reverse proxy (alone and
                                   with the gateway's timeouts, id and access line) and nginx
                                   (when installed) to one warehouse, interleaved, then a paced
                                   client at -rate 2000 a second; the rates, each proxy's CPU
                                   per request, the ratios (-proxies gateway,bare runs only
                                   those; from 6 rounds on, the ratios' confidence intervals)
  lab profile <cpu.out>            a CPU profile's time by what it went to (garbage collection,
                                   SQL, JSON, logging, HTTP, the scheduler): make profile-flow
  lab broker [clean|check]         what the lab has on RabbitMQ per variant and run; remove it

Settings come from the environment, with defaults that need nothing set:
  LAB_PORT_BASE (8080: the gateway; the services on the next five ports; auth on the sixth),
  GATEWAY_ADDR and <SERVICE>_ADDR, <SERVICE>_URL, LAB_DATA_DIR, AMQP_URL, LOG_LEVEL,
  LOG_FORMAT, LAB_READY_TIMEOUT, LAB_STOP_GRACE, NO_COLOR;
  LAB_REPLICAS (1: instances of every service, the k-th 20·k ports above the first, on
  PostgreSQL), LAB_DATABASE (sqlite, or postgres: a schema per service), LAB_POSTGRES_URL.
`

// dispatch runs one command of the runner.
func dispatch(ctx context.Context, hurry <-chan os.Signal, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitCode(2)
	}
	switch args[0] { // these need no repository around them
	case "serve":
		return serveCommand(args[1:])
	case "pause", "resume":
		return pauseCommand(ctx, args, stdout)
	case "doctor":
		return doctorCommand(ctx, stdout)
	case "bench-gateway":
		return benchGatewayCommand(ctx, "", args[1:], stdout)
	case "bench-proxy": // the bare proxy bench-gateway measures the gateway against
		return benchProxyCommand(ctx, args[1:])
	case "profile":
		return profileCommand(args[1:], stdout)
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := findRoot(wd)
	if err != nil {
		return err
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "list":
		list(stdout)
		return nil
	case "logs":
		return logsCommand(root, args[1:], stdout)
	case "run", "smoke":
		return variantCommand(ctx, hurry, root, args, stdout)
	case "demo":
		return demoCommand(ctx, hurry, root, args, stdout)
	case "compare":
		return compareCommand(ctx, hurry, root, args, stdout)
	case "broker":
		return brokerCommand(ctx, args, stdout)
	case "token":
		return tokenCommand(ctx, args[1:], stdout)
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// serveCommand runs `lab serve <variant> <service>`.
func serveCommand(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: lab serve <variant> <service>: services %s, gateway", strings.Join(config.Services, ", "))
	}
	v, err := lookup(args[0])
	if err != nil {
		return err
	}
	if err := app.Serve(v, args[1]); err != nil {
		return fmt.Errorf("%s %s: %w", v.Name, args[1], err)
	}
	return nil
}

// variantCommand runs run or smoke on the variant its arguments name.
func variantCommand(ctx context.Context, hurry <-chan os.Signal, root string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab "+args[0], flag.ContinueOnError)
	withUI := fs.Bool("ui", false, "smoke: also run the UI's browser tests (npm run e2e in ui-frontend)")
	// Flags may come before or after the variant's name.
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() == 0 {
		return errors.Join(err, fmt.Errorf("usage: lab %s <variant>", args[0]))
	}
	name := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil || fs.NArg() > 0 {
		return errors.Join(err, fmt.Errorf("usage: lab %s <variant>", args[0]))
	}
	v, err := lookup(name)
	if err != nil {
		return err
	}
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	colour := !cfg.NoColor && isTerminal(os.Stdout) && stdout == os.Stdout
	l := &lab{root: root, variant: v, cfg: cfg, hurry: hurry}
	l.console = newConsole(stdout, colour, l.names())
	l.command = l.selfCommand
	if args[0] == "smoke" {
		l.browser = *withUI
		return l.smoke(ctx)
	}
	return l.run(ctx)
}
