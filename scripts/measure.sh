#!/usr/bin/env bash
# Every figure of the README's performance section, in one run on this machine,
# one command after the other: `make measure`. It refreshes docs/comparison.md
# (the committed copy, as `lab compare -o docs/comparison.md` does) and writes
# every other command's output under data/measure/ (MEASURE_DIR), one file a
# step, with the time and load average it started at in data/measure/steps.txt.
# About 40 minutes on two CPUs. Needs what the steps need: RabbitMQ and PostgreSQL
# (lab doctor), wrk for the gateway's bench, nginx for its last row.
set -u -o pipefail
cd "$(dirname "$0")/.."
OUT=${MEASURE_DIR:-data/measure}
OUT=$(mkdir -p "$OUT" && cd "$OUT" && pwd)
ROUNDS=${MEASURE_ROUNDS:-3}
GW_ROUNDS=${MEASURE_GATEWAY_ROUNDS:-5}
export SHIPPING_DELAY=0
: > "$OUT/steps.txt"
failed=0

# step NAME COMMAND…: runs the command, its output into NAME.txt and onto the
# terminal; a step that fails is said at the end, and the others still run.
step() {
	local name=$1 start rc
	shift
	start=$(date +%s)
	printf '%s  %-22s load %s  %s\n' "$(date -u +%H:%M:%S)" "$name" "$(cut -d' ' -f1-3 /proc/loadavg)" "$*" | tee -a "$OUT/steps.txt"
	"$@" 2>&1 | tee "$OUT/$name.txt"
	rc=${PIPESTATUS[0]}
	printf '%s  %-22s took %ss, exit %s\n' "$(date -u +%H:%M:%S)" "$name" $(($(date +%s) - start)) "$rc" >>"$OUT/steps.txt"
	if [ "$rc" != 0 ]; then
		echo "measure: $name failed (exit $rc); see $OUT/$name.txt" | tee -a "$OUT/steps.txt"
		failed=1
	fi
}

# alternate: three rounds of rest, 300 orders each, at the lab's settings,
# with each setting the lab makes put back to Go's default (GOGC=100; as many
# Ps as CPUs), and with both.
alternate() {
	local i procs
	procs=$(nproc)
	for i in 1 2 3; do
		bin/lab compare -rounds 1 -orders 300 -outage 0 -o "$OUT/alt-$i-lab.md" rest || return
		GOGC=100 bin/lab compare -rounds 1 -orders 300 -outage 0 -o "$OUT/alt-$i-gogc100.md" rest || return
		GOMAXPROCS=$procs bin/lab compare -rounds 1 -orders 300 -outage 0 -o "$OUT/alt-$i-gomaxprocs.md" rest || return
		GOGC=100 GOMAXPROCS=$procs bin/lab compare -rounds 1 -orders 300 -outage 0 -o "$OUT/alt-$i-defaults.md" rest || return
	done
}

# flow_gogc: six alternated in-process runs of the flow at Go's default GC
# target and at the services' 50, then benchstat over them.
flow_gogc() {
	local i
	: >"$OUT/flow-default.bench"
	: >"$OUT/flow-gogc50.bench"
	for i in 1 2 3 4 5 6; do
		go test -run '^$' -bench 'Flow/rest$' -benchtime 400x ./cmd/lab/ | tee -a "$OUT/flow-default.bench" || return
		GOGC=50 go test -run '^$' -bench 'Flow/rest$' -benchtime 400x ./cmd/lab/ | tee -a "$OUT/flow-gogc50.bench" || return
	done
	go -C tools tool benchstat "$OUT/flow-default.bench" "$OUT/flow-gogc50.bench"
}

# startup: five starts of rest on the data of the runs before, each until
# every process answers /readyz (the runner says "ready in"), then Ctrl-C.
startup() {
	local i pid log=$OUT/startup.log
	for i in 1 2 3 4 5; do
		: >"$log"
		LAB_PORT_BASE=${MEASURE_PORT_BASE:-28080} bin/lab run rest >"$log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			grep -q 'ready in' "$log" && break
			sleep 0.1
		done
		grep -o 'ready in [^ ]*' "$log" || { cat "$log"; kill -INT $pid; wait $pid; return 1; }
		kill -INT $pid
		wait $pid
	done
	TIMEFORMAT='bin/lab list: %3R s'
	for i in 1 2 3 4 5; do time bin/lab list >/dev/null; done
}

step build go build -o bin/lab ./cmd/lab
step compare bin/lab compare -rounds "$ROUNDS" -o docs/comparison.md
step memory-1000 bin/lab compare -rounds 1 -orders 1000 -outage 0 -o "$OUT/memory-1000.md" rest
step alternate alternate
step bench-gateway bin/lab bench-gateway -rounds "$GW_ROUNDS"
# The goal's two proxies, the gateway without its access line and the bare
# proxy with the gateway's timeouts, then with its id and line too, in many
# short rounds, for the medians' confidence intervals.
step bench-gateway-ci bin/lab bench-gateway -proxies gateway,gateway-nolog,bare,bare-timeouts,bare-id-log -rounds "${MEASURE_CI_ROUNDS:-30}" -duration 2s -paced 2s
step handler go test -run '^$' -bench 'Handler' -benchtime 2s -count 5 ./shared/gateway/
step flow-gogc flow_gogc
step profile-flow make --no-print-directory profile-flow
step profile-sqlite bash -c "go tool pprof -top -cum data/lab.test data/cpu.out 2>/dev/null | grep -E 'sqlite3WalFrames|sqlite3Prepare|sqlite3_prepare|Duration:'"
step hop go test -run '^$' -bench 'Hop' -benchtime 300x ./shared/messaging/
step latency go test -run '^$' -bench 'Latency/(rest|event-notification)$' -benchtime 200x ./cmd/lab/
step relay go test -run '^$' -bench 'Relay|RawPublish' -benchtime 20000x -count 3 ./shared/messaging/
step startup startup
for demo in retry timeout circuit-breaker rate-limiting bulkhead; do
	step "demo-$demo" bin/lab demo "$demo"
done
echo "measure: every step's output is in $OUT; docs/comparison.md is refreshed" | tee -a "$OUT/steps.txt"
exit $failed
