package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

const brokerUsage = `usage: lab broker                       what the lab has on RabbitMQ, per variant and run
       lab broker clean <variant> [-run ID] [-dead-letters]
       lab broker clean --all [-dead-letters]
                                        delete it; a queue with consumers is never deleted, nor
                                        a dead-letter queue that holds messages without -dead-letters
       lab broker check                 fail when a run's queues or exchanges are still there`

// brokerCommand runs `lab broker [clean|check]` against the broker of
// AMQP_URL, through its management API for the listing.
func brokerCommand(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	m, err := newManagement(cfg.AMQPURL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	where := "vhost " + m.vhost + " at " + m.base
	switch {
	case len(args) == 1:
		ts, err := listBroker(ctx, m)
		if err != nil {
			return err
		}
		printInventory(stdout, where, ts)
		return nil
	case args[1] == "check" && len(args) == 2:
		ts, err := listBroker(ctx, m)
		if err != nil {
			return err
		}
		return checkRuns(ts, where)
	case args[1] == "clean":
		scope, err := cleanArgs(args[2:])
		if err != nil {
			return err
		}
		return cleanBroker(ctx, m, cfg.AMQPURL, scope, stdout)
	}
	return errors.New(brokerUsage)
}

// cleanArgs reads the arguments of lab broker clean; the flags may come before
// or after the variant's name.
func cleanArgs(args []string) (cleanScope, error) {
	var s cleanScope
	fs := flag.NewFlagSet("lab broker clean", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&s.all, "all", false, "every variant and run of the lab")
	fs.StringVar(&s.run, "run", "", "only this run of the variant")
	fs.BoolVar(&s.deadLetters, "dead-letters", false, "also delete dead-letter queues that hold messages")
	usage := errors.New(brokerUsage)
	if err := fs.Parse(args); err != nil {
		return s, errors.Join(err, usage)
	}
	if fs.NArg() > 0 {
		s.variant = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil || fs.NArg() > 0 {
			return s, errors.Join(err, usage)
		}
	}
	if s.all == (s.variant != "") || (s.all && s.run != "") {
		return s, fmt.Errorf("name a variant or --all\n%s", brokerUsage)
	}
	return s, nil
}

// checkRuns fails when a run's topology (one with a run id) is on the broker:
// every run that has ended deletes its own.
func checkRuns(ts []*topology, where string) error {
	var runs []string
	for _, t := range ts {
		if t.run != "" {
			q, _, _, _ := t.totals()
			runs = append(runs, fmt.Sprintf("\n  %s: %s, %s", t.title(), plural(q, "queue"), plural(len(t.exchanges), "exchange")))
		}
	}
	if len(runs) > 0 {
		return fmt.Errorf("%s of finished runs still on the broker (%s):%s", plural(len(runs), "topology"), where, strings.Join(runs, ""))
	}
	return nil
}
