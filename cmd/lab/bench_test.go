package main

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
)

// benchmarked are the variants the benchmarks measure: every base, and every
// pattern on rest.
func benchmarked(b *testing.B) []app.Variant {
	var out []app.Variant
	for _, base := range app.Bases() {
		out = append(out, app.MustCompose(base))
	}
	for _, p := range app.Patterns() {
		v, err := lookup(p.Name)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// BenchmarkFlow measures the whole order flow of each variant through its
// gateway, all services in this process: go test -run '^$' -bench 'Flow/rest$' ./cmd/lab/
func BenchmarkFlow(b *testing.B) {
	for _, v := range benchmarked(b) {
		b.Run(v.Name, func(b *testing.B) { asynctest.Benchmark(b, v) })
	}
}

// BenchmarkLatency measures the whole order flow of each variant one order at
// a time: go test -run '^$' -bench 'Latency/event-notification$' ./cmd/lab/
func BenchmarkLatency(b *testing.B) {
	for _, v := range benchmarked(b) {
		b.Run(v.Name, func(b *testing.B) { asynctest.Latency(b, v) })
	}
}
