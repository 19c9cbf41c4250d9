#!/usr/bin/env bash
# Strata storage-engine benchmarks, with this machine's raw limits measured in the same run.
#
#   Benchmarks/run.sh            full run (about 8 minutes once built; first build ~4 min)
#   Benchmarks/run.sh --quick    short run (about 30 seconds once built)
#
# Options:
#   --quick            smaller sizes, one repetition
#   --dir DIR          where the logs and fio files go (default: <repo>/.build-bench/data, i.e. the
#                      repository's volume; DIR must be on the volume you want to measure)
#   --scratch DIR      SwiftPM scratch path (default: <repo>/.build-bench)
#   --no-build         use the strata-bench binary already built
#   --plugin           afterwards, also run the ordo-one benchmark targets
#                      (`swift package --disable-sandbox benchmark`)
#   --strict           exit 1 when a target is missed
#   --markdown FILE    also write the results table and every sample as Markdown to FILE
#
# What it does: measures the raw limits on DIR (fio: sequential write with a final fsync, plainly
# and with sync_file_range every 1 MiB as the engine does by default; write with fdatasync after
# every block; dd: cold and warm sequential read of the engine's own segment
# files; memcpy) and runs the engine workloads through `strata-bench` (Sources/strata-bench, the
# same code the ordo-one targets run) on the same DIR, with the same sizes and write sizes,
# alternating raw and engine runs. It prints each engine figure next to its reference with the
# ratio (median of the ratios of neighbouring runs), the target and PASS/FAIL.
# Needs: swift, fio (installed with apt-get when missing), dd, awk. Root to drop the page cache.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SCRATCH="$ROOT/.build-bench"
DATA=""
QUICK=0
BUILD=1
PLUGIN=0
STRICT=0
MARKDOWN=""

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --dir) DATA="$2"; shift ;;
        --scratch) SCRATCH="$2"; shift ;;
        --no-build) BUILD=0 ;;
        --plugin) PLUGIN=1 ;;
        --strict) STRICT=1 ;;
        --markdown) MARKDOWN="$2"; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
DATA="${DATA:-$SCRATCH/data}"
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)

if [ "$QUICK" = 1 ]; then
    WRITE_SIZE=256MiB; REPS=1; FSYNC_REPS=1; READ_REPS=1; FSYNC_SECONDS=1; READ_SIZE=512MiB; WARM_SECONDS=0.5
    LOOKUP_BATCHES=1000000; LOOKUPS=300000; CRC_SECONDS=0.3
else
    WRITE_SIZE=1GiB; REPS=11; FSYNC_REPS=5; READ_REPS=7; FSYNC_SECONDS=2; READ_SIZE=2GiB; WARM_SECONDS=1
    LOOKUP_BATCHES=1000000; LOOKUPS=1000000; CRC_SECONDS=1
fi

bytes_of() { # 16KiB -> 16384
    local v=$1
    case "$v" in
        *GiB) echo $(( ${v%GiB} << 30 )) ;;
        *MiB) echo $(( ${v%MiB} << 20 )) ;;
        *KiB) echo $(( ${v%KiB} << 10 )) ;;
        *) echo "$v" ;;
    esac
}
fio_bs() { # 16KiB -> 16k, 1MiB -> 1m
    local v=$1
    case "$v" in
        *MiB) echo "${v%MiB}m" ;;
        *KiB) echo "${v%KiB}k" ;;
        *) echo "$v" ;;
    esac
}

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Tools
if ! command -v fio >/dev/null 2>&1; then
    log "fio is missing: installing it with apt-get"
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y fio >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y fio >/dev/null; }
    else
        sudo apt-get install -y fio >/dev/null
    fi
fi
command -v swift >/dev/null || { log "swift is not on PATH"; exit 1; }

BIN="$SCRATCH/release/strata-bench"
if [ "$BUILD" = 1 ]; then
    log "building strata-bench (release) in $SCRATCH ..."
    build_log="$SCRATCH/strata-bench-build.log"
    mkdir -p "$SCRATCH"
    if ! swift build -c release --product strata-bench --package-path "$HERE" --scratch-path "$SCRATCH" >"$build_log" 2>&1; then
        tail -30 "$build_log" >&2
        log "build failed (full log: $build_log)"
        exit 1
    fi
fi
[ -x "$BIN" ] || { log "no strata-bench binary at $BIN (drop --no-build)"; exit 1; }

CAN_DROP=0
if [ -w /proc/sys/vm/drop_caches ]; then CAN_DROP=1; fi
drop_caches() {
    sync
    if [ "$CAN_DROP" = 1 ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}

RESULTS="$SCRATCH/results.$$"
: > "$RESULTS"
trap 'rm -f "$RESULTS" "$DATA"/fio.*; rm -rf "$DATA"/append.* "$DATA"/read.* "$DATA"/lookup.*' EXIT

record() { printf '%s %s\n' "$1" "$2" >> "$RESULTS"; }

# Runs strata-bench, records its RESULT lines, shows its INFO lines.
engine() {
    local out
    out=$("$BIN" "$@") || { log "strata-bench $* failed"; exit 1; }
    printf '%s\n' "$out" | awk '$1 == "INFO" { sub(/^INFO /, "  engine: "); print }' >&2
    printf '%s\n' "$out" | awk '$1 == "RESULT" { print $2, $3 }' >> "$RESULTS"
}

# fio, one job, terse v3 output; prints bytes/s for the read or write side.
# --iomem_align=4096: fio's default I/O buffer is not page-aligned, and on this AMD CPU the kernel's
#   copies to and from a misaligned buffer run at half speed (warm 1 MiB reads: 8.5 GB/s unaligned,
#   17.5 GB/s aligned); the engine's buffers are page-aligned, as a broker's network buffers are.
# --scramble_buffers=0: don't rewrite part of the buffer before every write; it is still filled
#   with random bytes once, as the engine's batch is.
# --fallocate=none: fio would otherwise preallocate the file; the engine appends to a growing file.
# --fadvise_hint=0: no posix_fadvise(SEQUENTIAL) on reads; the engine gives the kernel no hint either.
FIO_COMMON=(--ioengine=psync --thread --iomem_align=4096 --scramble_buffers=0 --fadvise_hint=0 --output-format=terse --terse-version=3 --group_reporting)
fio_write() { # key bs size extra...
    local key=$1 bs=$2 size=$3; shift 3
    local file="$DATA/fio.write"
    rm -f "$file"; sync
    local line
    line=$(fio --name=rawwrite --filename="$file" --rw=write --bs="$bs" --size="$size" --fallocate=none "${FIO_COMMON[@]}" "$@")
    local value
    value=$(printf '%s\n' "$line" | awk -F';' '$50 > 0 { printf "%.0f", $47 * 1024 / ($50 / 1000) }')
    rm -f "$file"; sync
    [ -n "$value" ] || { log "fio write gave no figure"; exit 1; }
    log "  raw:    $key = $(awk -v v="$value" 'BEGIN { printf "%.0f MB/s", v / 1e6 }')"
    record "$key" "$value"
    # CPU seconds per GiB written: (usr% + sys%) of the runtime, per GiB.
    record "$key.cpu_s_per_gib" "$(printf '%s\n' "$line" | awk -F';' '$47 > 0 { u = $88; s = $89; sub(/%/, "", u); sub(/%/, "", s); printf "%.4f", (u + s) / 100 * ($50 / 1000) / ($47 / 1048576) }')"
}
fio_read() { # key file bs size extra...
    local key=$1 file=$2 bs=$3 size=$4; shift 4
    local line value
    line=$(fio --name=rawread --filename="$file" --rw=read --bs="$bs" --size="$size" "${FIO_COMMON[@]}" "$@")
    value=$(printf '%s\n' "$line" | awk -F';' '$9 > 0 { printf "%.0f", $6 * 1024 / ($9 / 1000) }')
    [ -n "$value" ] || { log "fio read gave no figure"; exit 1; }
    log "  raw:    $key = $(awk -v v="$value" 'BEGIN { printf "%.0f MB/s", v / 1e6 }')"
    record "$key" "$value"
}

# ---------------------------------------------------------------------------------------------
# Machine facts
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
CORES=$(nproc)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
KERNEL=$(uname -r)
FS=$(df -hT "$DATA" | awk 'NR == 2 { print $1 " (" $2 "), " $3 " total, " $5 " free, mounted on " $7 }')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)
log "== Strata storage benchmarks ($([ "$QUICK" = 1 ] && echo quick || echo full) run) =="
log "CPU: $CPU x $CORES; memory $MEM; kernel $KERNEL"
log "volume: $FS"
log "data directory: $DATA"
log "page cache eviction: $([ "$CAN_DROP" = 1 ] && echo 'drop_caches + fadvise' || echo 'fadvise only (not root)')"
log "load average at start: $LOAD_START"
if awk -v l="${LOAD_START%% *}" -v c="$CORES" 'BEGIN { exit !(l > c / 2) }'; then
    log "WARNING: the machine is busy (load $LOAD_START on $CORES cores): figures will be noisy"
fi

# ---------------------------------------------------------------------------------------------
# 1. Append without fsync: sequential write of WRITE_SIZE then one fsync, raw vs engine.
#    WRITE_SIZE stays within one segment (segment.bytes = 1 GiB): past it the engine rolls and
#    fdatasyncs the full segment in the background while appends go on, which a single-file fio
#    run cannot do, and the comparison would no longer be like for like.
log ""
log "-- append without fsync: $WRITE_SIZE per run, one fsync at the end; $REPS repetition(s)"
# Raw and engine runs alternate; odd repetitions run raw first, even ones last, so that a drift
# of the machine during the run does not favour either side. Each group starts with a discarded
# write of the same block size: on the recording VM the first run after a change of block size
# was regularly 2x slower than the next ones (fresh, host-unbacked memory for the page cache's
# large folios), whichever side ran first.
warm_write() { # bs
    rm -f "$DATA/fio.warmup"
    fio --name=warmup --filename="$DATA/fio.warmup" --rw=write --bs="$1" --size="$WRITE_SIZE" --fallocate=none "${FIO_COMMON[@]}" >/dev/null
    rm -f "$DATA/fio.warmup"; sync
}
# Every measured run, raw or engine, follows its own discarded warm-up write, so that each one
# meets the page cache in the same state: a run right after files were deleted otherwise pays for
# memory the host took back (free-page reporting), and whichever run came first in a group lost.
# fio writes twice: plainly (the reference: what the volume takes from a writer that leaves
# writeback to the kernel), and with sync_file_range every 1 MiB, the writeback policy the engine
# follows by default (strata.log.writeback.bytes), as a second reference.
raw_writes() { # batch
    local bs per_mib
    bs=$(fio_bs "$1"); per_mib=$(( 1048576 / $(bytes_of "$1") ))
    warm_write "$bs"; fio_write "raw.write.$1" "$bs" "$WRITE_SIZE" --end_fsync=1
    warm_write "$bs"; fio_write "raw.write_sfr.$1" "$bs" "$WRITE_SIZE" --end_fsync=1 --sync_file_range=write:"$per_mib"
}
for rep in $(seq "$REPS"); do
    for batch in 16KiB 1MiB; do
        if [ $((rep % 2)) = 1 ]; then raw_writes "$batch"; fi
        for record_size in $([ $((rep % 2)) = 1 ] && echo "100 1KiB" || echo "1KiB 100"); do
            warm_write "$(fio_bs "$batch")"
            engine append --dir "$DATA" --record-size "$record_size" --batch-size "$batch" --total-bytes "$WRITE_SIZE"
        done
        if [ $((rep % 2)) = 0 ]; then raw_writes "$batch"; fi
    done
done

# 2. Append with fsync per batch: raw write with fdatasync after every block of the batch size.
log ""
log "-- append with fsync per batch: ${FSYNC_SECONDS}s per run; $FSYNC_REPS repetition(s)"
for rep in $(seq "$FSYNC_REPS"); do
    for batch in 16KiB 1MiB; do
        warm_write "$(fio_bs "$batch")"
        if [ $((rep % 2)) = 1 ]; then fio_write "raw.write_fdatasync.$batch" "$(fio_bs "$batch")" 1g --fdatasync=1 --runtime="$FSYNC_SECONDS"; fi
        for record_size in 100 1KiB; do
            engine append --dir "$DATA" --record-size "$record_size" --batch-size "$batch" --total-bytes 1GiB --fsync --max-seconds "$FSYNC_SECONDS"
        done
        if [ $((rep % 2)) = 0 ]; then fio_write "raw.write_fdatasync.$batch" "$(fio_bs "$batch")" 1g --fdatasync=1 --runtime="$FSYNC_SECONDS"; fi
    done
done

# 3. Sequential read of READ_SIZE, cold (from the device) and warm (page cache). The engine reads
#    a log written beforehand (16 KiB batches of 1 KiB records) through log.read fetches of 1 MiB.
#    Reference: dd (bs=1M) over the very same segment files, so that the bytes, their blocks on
#    the volume and the page-cache state are the same and only the read path differs. A second,
#    informational reference is fio reading a file of the same size that fio wrote itself.
#    Raw and engine runs alternate.
log ""
log "-- sequential read: $READ_SIZE; cold and warm page cache; $READ_REPS repetition(s)"
READ_FILE="$DATA/fio.read"
rm -f "$READ_FILE"
fio --name=layout --filename="$READ_FILE" --rw=write --bs=1m --size="$READ_SIZE" --end_fsync=1 --fallocate=none "${FIO_COMMON[@]}" >/dev/null
prepare_out=$("$BIN" read-prepare --dir "$DATA" --total-bytes "$READ_SIZE") || { log "strata-bench read-prepare failed"; exit 1; }
printf '%s\n' "$prepare_out" | awk '$1 == "INFO" { sub(/^INFO /, "  engine: "); print }' >&2
FIXTURE=$(printf '%s\n' "$prepare_out" | awk '$1 == "FIXTURE" { print $2 }')
SEGMENTS=("$FIXTURE"/*/*.log)
SEGMENT_BYTES=$(cat "${SEGMENTS[@]}" | wc -c)
# dd over the segment files, whole passes until min_seconds (0: one pass); records bytes/s.
dd_read() { # key min_seconds
    local key=$1 min_ns start now passes=0 value
    min_ns=$(awk -v s="$2" 'BEGIN { printf "%.0f", s * 1e9 }')
    start=$(date +%s%N)
    while :; do
        for f in "${SEGMENTS[@]}"; do dd if="$f" of=/dev/null bs=1M status=none; done
        passes=$((passes + 1))
        now=$(date +%s%N)
        [ $((now - start)) -ge "$min_ns" ] && break
    done
    value=$(awk -v b="$SEGMENT_BYTES" -v p="$passes" -v ns="$((now - start))" 'BEGIN { printf "%.0f", b * p / (ns / 1e9) }')
    log "  raw:    $key = $(awk -v v="$value" 'BEGIN { printf "%.0f MB/s", v / 1e6 }') (dd, $passes pass(es))"
    record "$key" "$value"
}
READ_BYTES=$(bytes_of "$READ_SIZE")
WARM_LOOPS=$(( (4 << 30) / READ_BYTES )); [ "$WARM_LOOPS" -ge 1 ] || WARM_LOOPS=1
for rep in $(seq "$READ_REPS"); do
    drop_caches
    dd_read raw.read.cold 0
    engine read --fixture "$FIXTURE" --cache cold --modes pread,sendfile
    drop_caches
    fio_read raw.fioread.cold "$READ_FILE" 1m "$READ_SIZE" --invalidate=1
done
for rep in $(seq "$READ_REPS"); do
    dd_read raw.read.warmup 0
    dd_read raw.read.warm "$WARM_SECONDS"
    engine read --fixture "$FIXTURE" --cache warm --modes pread,sendfile --warm-seconds "$WARM_SECONDS"
    fio --name=warmup --filename="$READ_FILE" --rw=read --bs=1m --size="$READ_SIZE" --invalidate=0 "${FIO_COMMON[@]}" >/dev/null
    fio_read raw.fioread.warm "$READ_FILE" 1m "$READ_SIZE" --invalidate=0 --loops="$WARM_LOOPS"
done
rm -f "$READ_FILE"; rm -rf "$FIXTURE"; sync

# 4. Offset lookup.
log ""
log "-- offset lookup: $LOOKUPS random lookups in a ~$LOOKUP_BATCHES-entry offset index"
engine lookup --dir "$DATA" --batches "$LOOKUP_BATCHES" --lookups "$LOOKUPS"

# 5. CRC32C and memory copy.
log ""
log "-- CRC32C and memcpy"
engine crc --sizes 16KiB,1MiB --seconds "$CRC_SECONDS"
engine memcpy --size 256MiB --seconds "$CRC_SECONDS"
for key in crc32c.16KiB crc32c.1MiB memcpy.16KiB memcpy.1MiB memcpy.256MiB; do
    log "  $key = $(awk -v k="$key.bytes_per_s" '$1 == k { printf "%.1f GB/s", $2 / 1e9 }' "$RESULTS" | tail -1)"
done

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - START ))

# ---------------------------------------------------------------------------------------------
# Table
median() { # key -> median of its samples (empty when none)
    awk -v k="$1" '$1 == k { print $2 }' "$RESULTS" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
spread() { # key -> "min-max" over samples, as % of the median
    awk -v k="$1" '$1 == k { print $2 }' "$RESULTS" | sort -g | awk '{ v[NR] = $1 } END { if (NR < 2) { print "n=" NR; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "n=%d, %+.0f%%/%+.0f%%", NR, (v[1] - m) * 100 / m, (v[NR] - m) * 100 / m }'
}

# Ratio of engine to reference: the median of the ratios of runs made next to each other in time
# (raw and engine runs alternate), which cancels the drift of a shared machine better than a ratio
# of medians; empty when the sample counts differ (then the ratio of the medians is used).
paired_ratio() { # engine_key ref_key
    awk -v e="$1" -v r="$2" '$1 == e { ev[++ne] = $2 } $1 == r { rv[++nr] = $2 }
        END { if (ne != nr || ne == 0) exit
              for (i = 1; i <= ne; i++) { v = ev[i] / rv[i]; for (j = i - 1; j >= 1 && q[j] > v; j--) q[j + 1] = q[j]; q[j + 1] = v }
              n = ne; print (n % 2) ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2 }' "$RESULTS"
}

TABLE="$SCRATCH/table.$$"
: > "$TABLE"
FAILS=0
# row figure engine_key ref_key ref_label target kind
#   kind: ratio  -> ratio = engine / reference, PASS when ratio >= target
#         abs    -> PASS when engine >= target (bytes/s); ratio still engine / reference
#         inv    -> ratio = reference / engine (times: lower is better); no target
row() {
    local figure=$1 ekey=$2 rkey=$3 rlabel=$4 target=$5 kind=$6
    local e r pr
    e=$(median "$ekey"); r=$(median "$rkey"); pr=$(paired_ratio "$ekey" "$rkey")
    [ -n "$e" ] && [ -n "$r" ] || { printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$figure" "n/a" "$rlabel" "n/a" "n/a" "$target" "-" "" >> "$TABLE"; return; }
    local line
    line=$(awk -v f="$figure" -v e="$e" -v r="$r" -v rl="$rlabel" -v t="$target" -v k="$kind" -v es="$(spread "$ekey")" -v rs="$(spread "$rkey")" -v pr="$pr" '
        function rate(v) { if (v >= 1e9) return sprintf("%.2f GB/s", v / 1e9); return sprintf("%.1f MB/s", v / 1e6) }
        BEGIN {
            if (k == "inv") {
                ev = sprintf("%.0f ns (%.2f M/s)", e, 1e3 / e); rv = sprintf("%.0f ns", r); ratio = r / e
                tl = "-"; verdict = "info"
            } else {
                ev = rate(e); rv = rate(r); ratio = (pr != "") ? pr : e / r
                if (k == "abs") { tl = ">= " t / 1e9 " GB/s"; verdict = (e >= t) ? "PASS" : "FAIL" }
                else if (t == "-") { tl = "-"; verdict = "info" }
                else { tl = ">= " t * 100 "%"; verdict = (ratio >= t) ? "PASS" : "FAIL" }
            }
            printf "%s|%s|%s: %s|%.1f%%|%s|%s|%s; ref %s\n", f, ev, rl, rv, ratio * 100, tl, verdict, es, rs
        }')
    printf '%s\n' "$line" >> "$TABLE"
    case "$line" in *"|FAIL|"*) FAILS=$((FAILS + 1)) ;; esac
}

for batch in 16KiB 1MiB; do
    for record_size in 100B 1KiB; do
        row "append $record_size records, $batch batches, no fsync" "append.$record_size.$batch.nofsync.bytes_per_s" "raw.write.$batch" "fio write bs=$(fio_bs "$batch"), fsync at end" 0.80 ratio
    done
done
for batch in 16KiB 1MiB; do
    for record_size in 100B 1KiB; do
        row "(2nd reference) append $record_size records, $batch batches, no fsync" "append.$record_size.$batch.nofsync.bytes_per_s" "raw.write_sfr.$batch" "fio write bs=$(fio_bs "$batch"), sync_file_range every 1 MiB, fsync at end" - ratio
    done
done
for batch in 16KiB 1MiB; do
    for record_size in 100B 1KiB; do
        row "append $record_size records, $batch batches, fsync per batch" "append.$record_size.$batch.fsync.bytes_per_s" "raw.write_fdatasync.$batch" "fio write bs=$(fio_bs "$batch"), fdatasync per write" - ratio
    done
done
row "sequential read, cold cache, log.read + pread copy" read.pread.cold.bytes_per_s raw.read.cold "dd bs=1M of the same segment files, cold" 0.85 ratio
row "sequential read, cold cache, log.read + sendfile" read.sendfile.cold.bytes_per_s raw.read.cold "dd bs=1M of the same segment files, cold" 0.85 ratio
row "sequential read, warm cache, log.read + pread copy" read.pread.warm.bytes_per_s raw.read.warm "dd bs=1M of the same segment files, warm" 0.85 ratio
row "sequential read, warm cache, log.read + sendfile" read.sendfile.warm.bytes_per_s raw.read.warm "dd bs=1M of the same segment files, warm" 0.85 ratio
row "(2nd reference) sequential read, cold, log.read + pread" read.pread.cold.bytes_per_s raw.fioread.cold "fio read bs=1m of a file fio wrote, cold" - ratio
row "(2nd reference) sequential read, warm, log.read + pread" read.pread.warm.bytes_per_s raw.fioread.warm "fio read bs=1m of a file fio wrote, warm" - ratio
row "offset lookup (random, ~1M-entry index)" lookup.ns lookup.raw_pread_ns "61-byte pread, same file" - inv
row "CRC32C, 16 KiB buffer" crc32c.16KiB.bytes_per_s memcpy.16KiB.bytes_per_s "memcpy 16 KiB" 8000000000 abs
row "CRC32C, 1 MiB buffer" crc32c.1MiB.bytes_per_s memcpy.1MiB.bytes_per_s "memcpy 1 MiB" 8000000000 abs

print_table() {
    awk -F'|' '
        BEGIN { printf "%-58s %-22s %-56s %7s %-12s %s\n", "figure", "engine", "reference", "ratio", "target", "result" }
        { printf "%-58s %-22s %-56s %7s %-12s %s\n", $1, $2, $3, $4, $5, $6 }' "$TABLE"
}
print_markdown() {
    echo "| Figure | Engine | Reference | Ratio | Target | Result | Samples (engine; reference) |"
    echo "|---|---|---|---|---|---|---|"
    awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$TABLE"
}

echo
echo "== Results ($([ "$QUICK" = 1 ] && echo quick || echo full) run, medians of $REPS/$FSYNC_REPS/$READ_REPS repetitions (append/fsync/read), ratio = median of paired ratios; ${ELAPSED}s; load $LOAD_START -> $LOAD_END) =="
print_table
echo
print_extras() {
    echo "memory copy (memcpy 256 MiB -> 256 MiB): $(awk -v v="$(median memcpy.256MiB.bytes_per_s)" 'BEGIN { printf "%.2f GB/s", v / 1e9 }')"
    echo "offset index: $(median lookup.index_entries) entries; lookups/s: $(awk -v v="$(median lookup.per_s)" 'BEGIN { printf "%.0f", v }')"
    for batch in 16KiB 1MiB; do
        awk -v b="$batch" -v f="$(median "raw.write.$batch.cpu_s_per_gib")" -v e1="$(median "append.100B.$batch.nofsync.cpu_s_per_gib")" -v e2="$(median "append.1KiB.$batch.nofsync.cpu_s_per_gib")" \
            'BEGIN { printf "CPU seconds per GiB appended without fsync, %s writes: fio %.3f; engine %.3f (100 B records), %.3f (1 KiB records)\n", b, f, e1, e2 }'
    done
    for batch in 16KiB 1MiB; do
        for record_size in 100B 1KiB; do
            k="append.$record_size.$batch"
            echo "append $record_size/$batch: page-cache rate (appends only) $(awk -v v="$(median "$k.nofsync.append_only_bytes_per_s")" 'BEGIN { printf "%.0f MB/s", v / 1e6 }'); fsync per batch: p50 $(awk -v v="$(median "$k.fsync.p50_us")" 'BEGIN { printf "%.1f ms", v / 1e3 }'), p99 $(awk -v v="$(median "$k.fsync.p99_us")" 'BEGIN { printf "%.1f ms", v / 1e3 }')"
        done
    done
}
print_extras

if [ -n "$MARKDOWN" ]; then
    {
        echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $([ "$QUICK" = 1 ] && echo quick || echo full) run, ${ELAPSED}s, medians of $REPS/$FSYNC_REPS/$READ_REPS repetitions (append/fsync/read), ratio = median of paired ratios."
        echo "Machine: $CPU x $CORES, $MEM, kernel $KERNEL; volume $FS; load average $LOAD_START at start, $LOAD_END at end."
        echo
        print_markdown
        echo
        print_extras | sed 's/^/- /'
        echo
        echo "Raw samples in run order (bytes/s, ns or count):"
        echo
        echo '```'
        awk '{ a[$1] = a[$1] " " $2 } END { for (k in a) print k ":" a[k] }' "$RESULTS" | sort
        echo '```'
    } > "$MARKDOWN"
    log "markdown written to $MARKDOWN"
fi
rm -f "$TABLE"

if [ "$PLUGIN" = 1 ]; then
    echo
    echo "== ordo-one benchmark targets (swift package benchmark) =="
    (cd "$HERE" && STRATA_BENCH_DIR="$DATA" swift package --disable-sandbox --scratch-path "$SCRATCH" benchmark --no-progress)
fi

if [ "$FAILS" -gt 0 ]; then
    echo
    echo "$FAILS target(s) missed."
    [ "$STRICT" = 1 ] && exit 1
fi
exit 0
