package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat: 100
// on every Linux the lab runs on (it is part of the kernel's ABI).
const clockTicks = 100

// cpuTime is the CPU time (user and system) every process has used so far,
// from /proc/<pid>/stat; on a system without /proc it is an error.
func cpuTime(procs []*proc) (time.Duration, error) {
	var ticks int64
	for _, p := range procs {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
		if err != nil {
			return 0, fmt.Errorf("CPU time of %s: %w", p.name, err)
		}
		// The command name (field 2) may hold spaces: the fields after it start past its ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 13 {
			return 0, fmt.Errorf("CPU time of %s: a stat line of %d fields", p.name, len(fields))
		}
		for _, f := range fields[11:13] { // utime, stime: fields 14 and 15 of stat(5)
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("CPU time of %s: %w", p.name, err)
			}
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// threadSwitches is how many times p's threads have been switched off a CPU
// so far, waiting or preempted (voluntary_ctxt_switches and
// nonvoluntary_ctxt_switches of each /proc/<pid>/task/*/status); 0 without
// /proc.
func threadSwitches(p *proc) int64 {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", p.cmd.Process.Pid))
	var n int64
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue // a thread that has exited
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && (k == "voluntary_ctxt_switches" || k == "nonvoluntary_ctxt_switches") {
				c, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				n += c
			}
		}
	}
	return n
}

// residentBytes sums every process's resident set now (VmRSS) and its
// high-water mark (VmHWM), from /proc/<pid>/status; 0, 0 without /proc.
func residentBytes(procs []*proc) (now, peak int64) {
	for _, p := range procs {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			key, val, ok := strings.Cut(line, ":")
			if !ok || (key != "VmRSS" && key != "VmHWM") {
				continue
			}
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
			if key == "VmRSS" {
				now += kb << 10
			} else {
				peak += kb << 10
			}
		}
	}
	return now, peak
}

// proportionalBytes sums every process's proportional set size (Pss, from
// /proc/<pid>/smaps_rollup): its private pages, and its share of the pages it
// shares with others — above all the lab binary's code, which the kernel
// keeps once for the six processes that run it and which RSS counts six
// times. It is what the stack costs the machine; 0 without /proc.
func proportionalBytes(procs []*proc) int64 {
	var sum int64
	for _, p := range procs {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p.cmd.Process.Pid))
		if err != nil {
			continue
		}
		sum += smapsField(string(b), "Pss")
	}
	return sum
}

// smapsField is the value, in bytes, of a "Key:   N kB" line of a smaps file.
func smapsField(s, key string) int64 {
	for line := range strings.SplitSeq(s, "\n") {
		k, val, ok := strings.Cut(line, ":")
		if ok && k == key {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// clientTransport is the transport of lab compare's clients: in a security
// variant each request carries the admin's access token, as a client of such
// a lab would send it.
func (l *lab) clientTransport(ctx context.Context) (http.RoundTripper, error) {
	base := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}
	env := map[string]string{}
	for _, kv := range append(os.Environ(), l.env()...) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	token, err := l.variant.Login(ctx, func(k string) string { return env[k] }, "admin")
	if err != nil {
		return nil, fmt.Errorf("log in as admin: %w", err)
	}
	if token == "" {
		return base, nil
	}
	return httpx.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+token)
		return base.RoundTrip(r)
	}), nil
}
