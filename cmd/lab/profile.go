package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"strings"

	"github.com/google/pprof/profile"
)

// A cpuShare is one row of `lab profile`: a sample goes to the first share
// in profileShares whose functions one of its frames belongs to.
type cpuShare struct {
	name  string
	funcs []string // prefixes of function names, as pprof gives them
}

// labModule is the module's path, the prefix of its own functions' names.
const labModule = "github.com/microservice-patterns/lab/"

// profileShares are the rows in the order that decides: a sample of the
// garbage collector's work is the collector's whoever made the garbage, a
// sample under a SQL call is SQL's even when a handler made the call, and the
// scheduler gets only what no handler, client or server frame is above.
var profileShares = []cpuShare{
	{"garbage collection (the runtime's mark and sweep workers and assists)", []string{
		"runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.gcDrain", "runtime.markroot",
		"runtime.bgsweep", "runtime.bgscavenge", "runtime.sweepone", "runtime.deductSweepCredit",
		"runtime.gcStart", "runtime.gcMarkDone", "runtime.gcMarkTermination", "runtime.GC",
	}},
	{"SQL (database/sql, SQLite, its file writes, `shared/store`)", []string{
		"database/sql.", "modernc.org/sqlite", "modernc.org/libc", "github.com/jackc/pgx",
		labModule + "shared/store",
	}},
	{"JSON", []string{"encoding/json.", "github.com/goccy/go-json", "github.com/json-iterator/go"}},
	{"logging", []string{
		"log/slog.", "log.", labModule + "shared/httpx.AccessRecord", labModule + "shared/gateway.promote",
		// the process's buffered log (shared/config/logwriter.go)
		labModule + "shared/config.(*lineBuffer)", labModule + "shared/config.flushing", labModule + "shared/config.fixed",
	}},
	{"the benchmark's own client (`shared/acceptance`)", []string{labModule + "shared/acceptance"}},
	{"HTTP: servers, clients, the gateway's proxy, routing, socket I/O", []string{
		"net/http", "net.", "internal/poll.", "syscall.", "bufio.", "github.com/gin-gonic/gin",
		labModule + "shared/httpx", labModule + "shared/gateway", labModule + "shared/clients",
	}},
	{"scheduler", []string{
		"runtime.schedule", "runtime.findRunnable", "runtime.mcall", "runtime.park_m",
		"runtime.goschedImpl", "runtime.gopreempt_m", "runtime.goexit0", "runtime.mstart",
		"runtime.sysmon", "runtime.stopm", "runtime.startm", "runtime.wakep", "runtime.notesleep",
		"runtime.futexsleep", "runtime.netpoll", "runtime.exitsyscall", "runtime.entersyscall",
		"runtime.ready", "runtime.goready",
	}},
}

// profileRest is the row of every sample no share takes.
const profileRest = "the rest"

// profileCommand is `lab profile <cpu profile>`: the shares of a CPU profile
// (go test -cpuprofile) by what the time went to, as a Markdown table.
func profileCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab profile", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errors.Join(err, errors.New("usage: lab profile <cpu profile, as go test -cpuprofile writes it>"))
	}
	f, err := os.Open(fs.Arg(0))
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		return fmt.Errorf("%s does not exist (make profile-flow writes data/cpu.out)", fs.Arg(0))
	case err != nil:
		return err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil { // the parser's own words say no more than this
		return fmt.Errorf("%s is not a CPU profile (go test -cpuprofile writes one)", fs.Arg(0))
	}
	shares, total, err := splitProfile(p)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(stdout, "%s of samples; each sample in the first of these that its stack holds, in this order:\n\n", total)
	fmt.Fprintln(stdout, "| share of CPU | |\n|---|---|")
	for _, s := range profileShares {
		fmt.Fprintf(stdout, "| %s | %.1f %% |\n", s.name, 100*shares[s.name])
	}
	fmt.Fprintf(stdout, "| %s | %.1f %% |\n", profileRest, 100*shares[profileRest])
	return nil
}

// splitProfile answers each share's part of p's CPU time (0–1, by row name)
// and the time in all.
func splitProfile(p *profile.Profile) (map[string]float64, string, error) {
	value := -1
	for i, t := range p.SampleType {
		if t.Type == "cpu" {
			value = i
		}
	}
	if value < 0 {
		return nil, "", errors.New("it has no CPU time (a heap or other profile?)")
	}
	parts := map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		v := s.Value[value]
		total += v
		parts[shareOf(s)] += v
	}
	if total == 0 {
		return nil, "", errors.New("it holds no samples")
	}
	shares := map[string]float64{}
	for name, v := range parts {
		shares[name] = float64(v) / float64(total)
	}
	unit := p.SampleType[value].Unit
	return shares, fmt.Sprintf("%.1f s", seconds(total, unit)), nil
}

// shareOf names the first share that one of s's frames belongs to.
func shareOf(s *profile.Sample) string {
	for _, share := range profileShares {
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				if line.Function == nil {
					continue
				}
				for _, prefix := range share.funcs {
					if strings.HasPrefix(line.Function.Name, prefix) {
						return share.name
					}
				}
			}
		}
	}
	return profileRest
}

// seconds converts a profile's CPU value to seconds.
func seconds(v int64, unit string) float64 {
	switch unit {
	case "nanoseconds":
		return float64(v) / 1e9
	case "microseconds":
		return float64(v) / 1e6
	case "milliseconds":
		return float64(v) / 1e3
	}
	return float64(v)
}
