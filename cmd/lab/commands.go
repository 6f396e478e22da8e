package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/microservice-patterns/lab/shared/config"
)

const usage = `usage: lab <command> [arguments]

  lab list                         the variants, and which are ready to run
  lab build <variant>              build bin/<variant> and bin/ui-gateway
  lab run <variant> [-no-build]    build, start the services and the gateway, wait until
                                   they are ready; Ctrl-C stops them all
  lab smoke <variant> [-ui]        build, start on fresh data, run the acceptance suite (and
                                   with -ui the browser tests), stop
  lab demo <variant> [-logs]       run rest and a reliability variant under the same load and
                                   faults, and print their numbers side by side
  lab compare [-orders 200]        run rest, event-notification and event-carried-state-transfer
                                   under the same workload and a warehouse outage, and write
                                   the measured table to docs/comparison.md

Settings come from the environment, with defaults that need nothing set:
  LAB_PORT_BASE (8080: the gateway; the services on the next five ports),
  GATEWAY_ADDR and <SERVICE>_ADDR, <SERVICE>_URL, LAB_DATA_DIR, AMQP_URL, LOG_LEVEL,
  LOG_FORMAT, LAB_READY_TIMEOUT, LAB_STOP_GRACE, NO_COLOR.
`

// dispatch runs one command of the runner.
func dispatch(ctx context.Context, hurry <-chan os.Signal, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitCode(2)
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
		list(stdout, root)
		return nil
	case "build", "run", "smoke":
		return variantCommand(ctx, hurry, root, args, stdout)
	case "demo":
		return demoCommand(ctx, hurry, root, args, stdout)
	case "compare":
		return compareCommand(ctx, hurry, root, args, stdout)
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// variantCommand runs build, run or smoke on the variant its arguments name.
func variantCommand(ctx context.Context, hurry <-chan os.Signal, root string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab "+args[0], flag.ContinueOnError)
	noBuild := fs.Bool("no-build", false, "run the binaries already in bin/")
	withUI := fs.Bool("ui", false, "smoke: also run the UI's browser tests (npm run e2e in ui-frontend)")
	// Flags may come before or after the variant's name.
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() == 0 {
		return errors.Join(err, fmt.Errorf("usage: lab %s <variant> [-no-build]", args[0]))
	}
	name := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil || fs.NArg() > 0 {
		return errors.Join(err, fmt.Errorf("usage: lab %s <variant> [-no-build]", args[0]))
	}
	v, err := ready(root, name)
	if err != nil {
		return err
	}
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	colour := !cfg.NoColor && isTerminal(os.Stdout) && stdout == os.Stdout
	l := &lab{root: root, variant: v, cfg: cfg, console: newConsole(stdout, colour, names()), hurry: hurry}
	l.command = l.binCommand
	if !*noBuild || args[0] == "build" {
		if err := build(ctx, root, v, l.console); err != nil {
			return err
		}
	}
	switch args[0] {
	case "run":
		return l.run(ctx)
	case "smoke":
		l.browser = *withUI
		return l.smoke(ctx)
	}
	return nil
}
