#!/usr/bin/env bash
# Strata broker benchmark: the same confluent-kafka (librdkafka) client load against `strata serve`
# and against librdkafka's in-process mock cluster (test.mock.num.brokers=1), client and broker on
# this machine together.
#
#   Benchmarks/broker.sh            full run (about 3 minutes once built)
#   Benchmarks/broker.sh --quick    short run (6 produce pairs, 1 consume pair, 3 s latency run; 1–2 minutes)
#
# Options:
#   --quick            fewer pairs, shorter latency run
#   --records N        records per produce burst (default 250000)
#   --bursts N         produce burst pairs counted (default 40, --quick 6)
#   --reps N           consume run pairs counted (default 9, --quick 1)
#   --no-build         use the strata binary already built (.build/release/strata)
#   --strict           exit 1 when a target is missed
#   --markdown FILE    also write the results table as Markdown to FILE
#   --override N=V     pass a setting to `strata serve` (repeatable), e.g. strata.inline.storage.enable=false
#   --calibrate N      first N produce burst pairs of the mock against a second mock cluster: the
#                      method measuring a target against itself (A/A; about 1.5 minutes for 40)
#   --c-client N       also N produce burst pairs of 500,000 records with librdkafka's C API
#                      (Benchmarks/produce_bursts.c, built here against Debian's librdkafka-dev,
#                      which is installed when missing; about 1 minute for 60)
#
# What it measures (Benchmarks/broker_load.py is the client load):
#   1. broker resident memory (VmRSS) with 1,000 partitions idle: a fresh `strata serve`, one topic
#      with 1,000 partitions created through the AdminClient, 5 s idle.
#   2. a second fresh broker and the mock cluster, each with one producer connected throughout
#      and identical client settings (acks=1, linger.ms=5, compression none,
#      queue.buffering.max.messages=1,000,000, other batching settings librdkafka's defaults; a
#      topic of 4 partitions, as the mock auto-creates):
#      produce: 40 pairs of bursts, one on each target right after the other (the order
#      alternating): N x 100 B records with produce() in a tight loop, poll(0), and flush() at
#      the end of each burst. The ratio is the median of the pairs' strata/mock ratios, printed
#      with a 95 % bootstrap interval of that median; the total ratio (all counted records over
#      all their time) is printed too. On this shared VM the
#      client's speed swings by a third within seconds; pairs a fraction of a second long, made
#      next to each other, cancel that drift.
#      consume: 9 pairs of runs reading the topic from offset 0, 5 passes with one consumer
#      (consume(10000, timeout 10 ms) in a loop, default fetch settings). The mock keeps only
#      the tail of each partition (about 170,000 records here), so both sides read as many
#      records as it holds; each pass's rate excludes its first batch.
#      A pair during which steal (CPU time the hypervisor gave to others, /proc/stat) exceeded
#      5 % of the machine's CPU time is run again (at most as many extra pairs); the discarded
#      pairs' steal is printed.
#      Broker CPU seconds (utime+stime from /proc/PID/stat) around the counted produce bursts, per GB.
#   3. produce paced at 10,000 records/s for 10 s (3 s with --quick) after 1 s of warm-up,
#      linger.ms=0, acks=1: per-record latency from produce() to its delivery callback, and
#      librdkafka's request round-trip time (its `rtt` statistic: the broker's part). Up to 3
#      attempts per side while steal exceeds 1 %; the attempt with the least steal counts.
# Traffic goes to 127.0.0.1 only; the broker listens on a free port. The mock cluster runs inside
# the Python process, so the mock's figures include its broker's CPU time in the client's process.
# Needs: swift, python3 (.venv made by scripts/setup-python.sh, run here).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
QUICK=0
BUILD=1
STRICT=0
MARKDOWN=""
RECORDS=""
OVERRIDES=()
BURSTS=""
REPS=""
CALIBRATE=0
C_BURSTS=0

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --records) RECORDS="$2"; shift ;;
        --no-build) BUILD=0 ;;
        --strict) STRICT=1 ;;
        --markdown) MARKDOWN="$2"; shift ;;
        --override) OVERRIDES+=(--override "$2"); shift ;;
        --bursts) BURSTS="$2"; shift ;;
        --reps) REPS="$2"; shift ;;
        --calibrate) CALIBRATE="$2"; shift ;;
        --c-client) C_BURSTS="$2"; shift ;;
        -h|--help) awk 'NR > 1 && /^set -euo/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "broker.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
RECORDS="${RECORDS:-250000}"
if [ "$QUICK" = 1 ]; then
    BURSTS="${BURSTS:-6}"; REPS="${REPS:-1}"; LATENCY_SECONDS=3; IDLE=3
else
    BURSTS="${BURSTS:-40}"; REPS="${REPS:-9}"; LATENCY_SECONDS=10; IDLE=5
fi
SIZE=100
for option in "records $RECORDS" "bursts $BURSTS" "reps $REPS" "calibrate $CALIBRATE" "c-client $C_BURSTS"; do
    set -- $option
    [[ "$2" =~ ^[0-9]+$ ]] || { echo "broker.sh: --$1 needs a whole number, not '$2'" >&2; exit 2; }
done

log() { printf '%s\n' "$*" >&2; }

cd "$ROOT"
scripts/setup-python.sh >&2
PY="$ROOT/.venv/bin/python"
BIN="$ROOT/.build/release/strata"
if [ "$BUILD" = 1 ]; then
    log "building strata (release) ..."
    if ! swift build -c release --product strata >"$ROOT/.build-bench-strata-build.log" 2>&1; then
        tail -30 "$ROOT/.build-bench-strata-build.log" >&2
        log "build failed"
        exit 1
    fi
    rm -f "$ROOT/.build-bench-strata-build.log"
fi
[ -x "$BIN" ] || { log "no strata binary at $BIN (drop --no-build)"; exit 1; }
C_CLIENT="$ROOT/.build-bench/produce_bursts"
if [ "$C_BURSTS" -gt 0 ]; then
    source "$ROOT/scripts/lib/apt.sh"
    ensure_apt_packages librdkafka-dev gcc >&2
    mkdir -p "$ROOT/.build-bench"
    cc -O2 -Wall -Werror -o "$C_CLIENT" "$HERE/produce_bursts.c" -lrdkafka || { log "building produce_bursts failed"; exit 1; }
fi

DATA_ROOT="$ROOT/.build-bench/broker-data"
mkdir -p "$DATA_ROOT"
RUN="$DATA_ROOT/run.$$"
mkdir -p "$RUN"
RESULTS="$RUN/results"
: > "$RESULTS"
BROKER_PID=""

stop_broker() {
    if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill -TERM "$BROKER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$BROKER_PID" 2>/dev/null && kill -KILL "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    BROKER_PID=""
}
cleanup() { stop_broker; rm -rf "$RUN"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a fresh broker on data dir $1; sets BROKER_PID and BOOTSTRAP.
start_broker() {
    local dir="$1" out="$1.log"
    rm -rf "$dir"; mkdir -p "$dir"
    "$BIN" serve --override listeners=PLAINTEXT://127.0.0.1:0 --override "log.dirs=$dir" ${OVERRIDES[@]+"${OVERRIDES[@]}"} >"$out" 2>&1 &
    BROKER_PID=$!
    local port=""
    for _ in $(seq 1 300); do
        port=$(grep -o 'listening on PLAINTEXT://127\.0\.0\.1:[0-9]*' "$out" 2>/dev/null | head -1 | sed 's/.*://' || true)
        [ -n "$port" ] && break
        kill -0 "$BROKER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        log "strata serve did not start:"; tail -20 "$out" >&2; exit 1
    fi
    BOOTSTRAP="127.0.0.1:$port"
    log "  strata serve (pid $BROKER_PID) listening on $BOOTSTRAP, data in $dir"
}

load() { # runs broker_load.py, keeps RESULT lines, shows progress
    local out
    out=$("$PY" "$HERE/broker_load.py" "$@") || { log "broker_load.py $* failed"; exit 1; }
    printf '%s\n' "$out" | awk '$1 == "RESULT" { print $2, $3 }' >> "$RESULTS"
}

log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $BURSTS produce bursts of $RECORDS x $SIZE B"
log "1/2 resident memory with 1,000 idle partitions"
start_broker "$RUN/memory"
load memory --bootstrap "$BOOTSTRAP" --pid "$BROKER_PID" --partitions 1000 --idle "$IDLE"
stop_broker

log "2/2 produce, consume and paced-latency runs: strata, then the mock cluster"
start_broker "$RUN/throughput"
load throughput --bootstrap "$BOOTSTRAP" --pid "$BROKER_PID" --records "$RECORDS" --size "$SIZE" \
    --bursts "$BURSTS" --reps "$REPS" --latency-seconds "$LATENCY_SECONDS" --calibrate "$CALIBRATE" \
    --c-bursts "$C_BURSTS" --c-client "$C_CLIENT"
stop_broker

get() { awk -v k="$1" '$1 == k { print $2 }' "$RESULTS" | tail -1; }

TABLE="$RUN/table"
: > "$TABLE"
MISSED=0
row() { printf '%s|%s|%s|%s|%s|%s\n' "$@" >> "$TABLE"; [ "$6" = "MISS" ] && MISSED=1; return 0; }
rate() { awk -v r="$1" -v s="$SIZE" 'BEGIN { printf "%.0f rec/s (%.1f MB/s)", r, r * s / 1e6 }'; }
ratio_verdict() { # ratio target -> "ratio|verdict"
    awk -v x="$1" -v t="$2" 'BEGIN { printf "%.2fx|%s", x, (x >= t) ? "PASS" : "MISS" }'
}

for kind in produce consume; do
    s=$(get "strata.${kind}_records_per_s"); m=$(get "mock.${kind}_records_per_s")
    IFS='|' read -r ratio verdict <<< "$(ratio_verdict "$(get "${kind}_paired_ratio")" 1.0)"
    row "$kind throughput, ${SIZE} B records, acks=1" "$(rate "$s")" "$(rate "$m")" "$ratio" ">= 1.0x" "$verdict"
done
if [ "$C_BURSTS" -gt 0 ]; then
    s=$(get strata.c_produce_records_per_s); m=$(get mock.c_produce_records_per_s)
    row "produce throughput, librdkafka C client (report)" "$(rate "$s")" "$(rate "$m")" \
        "$(awk -v x="$(get c_produce_paired_ratio)" 'BEGIN { printf "%.2fx", x }')" "-" "-"
fi
sp99=$(get strata.latency_p99_us); mp99=$(get mock.latency_p99_us)
row "produce latency p99 at 10,000 rec/s (linger.ms=0)" \
    "$(awk -v v="$sp99" 'BEGIN { printf "%.2f ms", v / 1e3 }')" \
    "$(awk -v v="$mp99" 'BEGIN { printf "%.2f ms", v / 1e3 }')" \
    "$(awk -v e="$sp99" -v r="$mp99" 'BEGIN { printf "%.2fx", e / r }')" "<= 5 ms" \
    "$(awk -v v="$sp99" 'BEGIN { print (v <= 5000) ? "PASS" : "MISS" }')"
srtt=$(get strata.latency_rtt_p99_us); mrtt=$(get mock.latency_rtt_p99_us)
row "request round trip p99 at 10,000 rec/s (librdkafka rtt)" \
    "$(awk -v v="$srtt" 'BEGIN { printf "%.2f ms", v / 1e3 }')" "$(awk -v v="$mrtt" 'BEGIN { printf "%.2f ms", v / 1e3 }')" \
    "$(awk -v e="$srtt" -v r="$mrtt" 'BEGIN { printf "%.2fx", e / r }')" "-" "-"
for q in p50 p999; do
    s=$(get "strata.latency_${q}_us"); m=$(get "mock.latency_${q}_us")
    label=$q; [ "$q" = p999 ] && label=p99.9
    row "produce latency $label at 10,000 rec/s" \
        "$(awk -v v="$s" 'BEGIN { printf "%.2f ms", v / 1e3 }')" "$(awk -v v="$m" 'BEGIN { printf "%.2f ms", v / 1e3 }')" \
        "$(awk -v e="$s" -v r="$m" 'BEGIN { printf "%.2fx", e / r }')" "-" "-"
done
rss=$(get strata.rss_idle_bytes)
row "broker resident memory, 1,000 partitions idle" "$(awk -v v="$rss" 'BEGIN { printf "%.1f MB", v / 1e6 }')" "-" "-" "<= 150 MB" \
    "$(awk -v v="$rss" 'BEGIN { print (v <= 150e6) ? "PASS" : "MISS" }')"
row "broker CPU seconds per GB produced" "$(get strata.cpu_s_per_gb) s/GB" "-" "-" "report" "-"
if [ "$C_BURSTS" -gt 0 ]; then
    row "broker CPU seconds per GB produced, C client" "$(get strata.c_cpu_s_per_gb) s/GB" "-" "-" "report" "-"
fi

print_table() {
    awk -F'|' '
        BEGIN { printf "%-52s %-28s %-28s %-7s %-10s %s\n", "figure", "strata", "reference (mock cluster)", "ratio", "target", "result" }
        { printf "%-52s %-28s %-28s %-7s %-10s %s\n", $1, $2, $3, $4, $5, $6 }' "$TABLE"
}
markdown_table() {
    echo "| Figure | Strata | Reference (mock cluster) | Ratio | Target | Result |"
    echo "|---|---|---|---|---|---|"
    awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$TABLE"
}

echo
print_table
echo
echo "paired ratios (strata/mock, in run order): produce $(get produce_pair_ratios); consume $(get consume_pair_ratios)"
interval() { awk -v v="$1" 'BEGIN { split(v, b, ","); printf "%.2f–%.2f", b[1], b[2] }'; }
echo "95 % bootstrap interval of the median pair ratio: produce $(interval "$(get produce_ratio_interval)"), consume $(interval "$(get consume_ratio_interval)")"
echo "produce total ratio (all $(get produce_bursts) counted bursts, records over time): $(awk -v v="$(get produce_total_ratio)" 'BEGIN { printf "%.2fx", v }')"
if [ "$C_BURSTS" -gt 0 ]; then
    echo "C client: $(get c_produce_bursts) pairs, 95 % interval of the median pair ratio $(interval "$(get c_produce_ratio_interval)"); pair ratios $(get c_produce_pair_ratios); run again for steal: $(get c_produce_pairs_discarded)"
fi
if [ "$CALIBRATE" -gt 0 ]; then
    echo "A/A check (mock against a second mock cluster, $(get calibrate_pairs) produce pairs): median pair ratio $(awk -v v="$(get calibrate_paired_ratio)" 'BEGIN { printf "%.2fx", v }'), 95 % interval $(interval "$(get calibrate_ratio_interval)")"
fi
echo "pairs run again for steal (their steal share): produce $(get produce_pairs_discarded); consume $(get consume_pairs_discarded); latency runs: strata $(get strata.latency_attempts) attempt(s), steal $(get strata.latency_steal), mock $(get mock.latency_attempts), steal $(get mock.latency_steal)"
echo "runs (rec/s, sorted): produce strata $(get strata.produce_runs), mock $(get mock.produce_runs); consume strata $(get strata.consume_runs), mock $(get mock.consume_runs) ($(get consume_records) records x 5 passes)"
echo "broker CPU: $(get strata.produce_cpu_s) s during the produce runs, $(get strata.consume_cpu_s) s during the consume runs;" \
     "paced rate achieved: strata $(get strata.latency_rate) rec/s, mock $(get mock.latency_rate) rec/s;" \
     "max latency: strata $(awk -v v="$(get strata.latency_max_us)" 'BEGIN { printf "%.1f ms", v / 1e3 }'), mock $(awk -v v="$(get mock.latency_max_us)" 'BEGIN { printf "%.1f ms", v / 1e3 }')"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$MARKDOWN" ]; then markdown_table > "$MARKDOWN"; log "markdown table written to $MARKDOWN"; fi
if [ "$STRICT" = 1 ] && [ "$MISSED" = 1 ]; then exit 1; fi
exit 0
