package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/microservice-patterns/lab/shared/app"
)

// lookup finds a variant by its name: <base>[+<pattern>…], or a pattern alone
// for rest plus that pattern.
func lookup(name string) (app.Variant, error) { return app.Lookup(name) }

// list prints the catalogue: the bases, the patterns, and the combinations the
// acceptance suite runs on in `make test`.
func list(w io.Writer) {
	width := 0
	for _, b := range app.Bases() {
		width = max(width, len(b.Name))
	}
	for _, p := range app.Patterns() {
		width = max(width, len(p.Name))
	}
	bases := app.Bases()
	slices.SortStableFunc(bases, func(a, b *app.Base) int { return cmp.Compare(b2i(a.Name != "rest"), b2i(b.Name != "rest")) })
	fmt.Fprintln(w, "bases (how the services talk; `make run-<base>`):")
	for _, b := range bases {
		broker := ""
		if b.Broker() {
			broker = " (needs RabbitMQ)"
		}
		fmt.Fprintf(w, "  %-*s  %s%s\n", width, b.Name, b.Description, broker)
	}
	fmt.Fprintln(w, "patterns (compose with a base: `make run-<base>+<pattern>`; a pattern alone is rest plus it):")
	for _, p := range app.Patterns() {
		fmt.Fprintf(w, "  %-*s  %-13s  %s\n", width, p.Name, p.Category, p.Description)
	}
	fmt.Fprintln(w, "tested in `make test` (the acceptance suite), besides every base alone:")
	fmt.Fprintf(w, "  %s\n", wrap(strings.Join(app.Tested(), ", "), 96, "  ")[2:])
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
