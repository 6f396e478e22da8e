// Command lab is the lab's runner. It lists the variants, builds one, starts its
// five services and the gateway as processes of their own, prefixes their logs,
// waits until each is ready, and stops them all on Ctrl-C. It also runs the
// acceptance suite against a running variant (lab smoke).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, hurry := interrupts()
	err := dispatch(ctx, hurry, os.Args[1:], os.Stdout)
	var code exitCode
	switch {
	case err == nil:
		os.Exit(0)
	case errors.Is(err, errInterrupted):
		os.Exit(130)
	case errors.As(err, &code):
		os.Exit(int(code))
	}
	fmt.Fprintln(os.Stderr, "lab:", err)
	os.Exit(1)
}

// interrupts returns a context that is done at the first SIGINT or SIGTERM, and
// a channel that receives the signals after it: a second Ctrl-C hurries the stop.
func interrupts() (context.Context, <-chan os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	hurry := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		for s := range sigs {
			select {
			case hurry <- s:
			default:
			}
		}
	}()
	return ctx, hurry
}
