#!/usr/bin/env bash
# Compaction and retention figures, each beside a reference measured in the same run on the same
# volume (see BENCHMARKS.md, "Compaction and retention"):
#   - compaction throughput on a log of KEYS distinct keys written ROUNDS times each, against the
#     raw read + write bandwidth of the same bytes (dd read of the log's files, then dd write of as
#     many bytes with fdatasync), both from a cold page cache; target >= 50%
#   - the cleaner's peak resident memory for that log, and the offset map's share of it
#   - the time to apply retention to 10,000 expired segments
# Usage: Benchmarks/compaction.sh [--quick] [--dir DIR] [--keys N] [--rounds N]
#   --quick   100,000 keys x 10 and 2,000 segments (about a minute once built)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$repo/.build-bench/data"
keys=1000000
rounds=10
segments=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) keys=100000; segments=2000 ;;
    --dir) dir="$2"; shift ;;
    --keys) keys="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "compaction.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
mkdir -p "$dir"
echo "building strata-bench (release) in $repo/.build-bench ..." >&2
swift build -c release --package-path "$repo/Benchmarks" --scratch-path "$repo/.build-bench" --product strata-bench >&2
bench="$repo/.build-bench/release/strata-bench"
now() { date +%s.%N; }
value() { awk -v key="$1" '$1 == "RESULT" && $2 == key { print $3 }'; }

echo "writing $keys keys x $rounds rounds ..." >&2
prepared="$("$bench" compact-prepare --dir "$dir" --keys "$keys" --rounds "$rounds")"
fixture="$(echo "$prepared" | awk '$1 == "FIXTURE" { print $2 }')"
log_bytes="$(echo "$prepared" | value compact.log_bytes)"
trap 'rm -rf "$fixture" "$dir/raw.write"' EXIT

# Both sides start from a cold page cache, so "the same volume" means its disk, not memory.
drop_caches() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; else echo "compaction.sh: cannot drop the page cache (not root): figures are warm" >&2; fi
}
# Raw reference: read every segment file of the fixture, then write as many bytes, made durable.
drop_caches
start=$(now)
for file in "$fixture"/changelog-0/*.log; do dd if="$file" of=/dev/null bs=1M status=none; done
read_end=$(now)
dd if=/dev/zero of="$dir/raw.write" bs=1M count=$(( (${log_bytes%.*} + 1048575) / 1048576 )) conv=fdatasync status=none
write_end=$(now)
rm -f "$dir/raw.write"

echo "compacting ..." >&2
drop_caches
compacted="$("$bench" compact --fixture "$fixture")"
echo "$compacted" | grep '^INFO' >&2 || true
seconds="$(echo "$compacted" | value compact.seconds)"
bytes_read="$(echo "$compacted" | value compact.bytes_read)"
peak="$(echo "$compacted" | value compact.peak_rss_bytes)"
before="$(echo "$compacted" | value compact.rss_before_bytes)"
map="$(echo "$compacted" | value compact.map_bytes)"
passes="$(echo "$compacted" | value compact.passes)"

echo "applying retention to $segments segments ..." >&2
retained="$("$bench" retention --dir "$dir" --segments "$segments")"
retention_seconds="$(echo "$retained" | value retention.seconds)"
deleted="$(echo "$retained" | value retention.segments_deleted)"

awk -v n="$log_bytes" -v s="$start" -v r="$read_end" -v w="$write_end" -v secs="$seconds" -v br="$bytes_read" \
    -v peak="$peak" -v before="$before" -v map="$map" -v passes="$passes" -v rs="$retention_seconds" -v deleted="$deleted" \
    -v keys="$keys" -v rounds="$rounds" 'BEGIN {
  raw = n / ((r - s) + (w - r))
  engine = br / secs
  ratio = engine / raw
  printf "\n%-52s %14s %14s %8s %8s\n", "figure", "strata", "reference", "ratio", "target"
  printf "%-52s %11.0f MB/s %11.0f MB/s %7.1f%% %8s  %s\n", sprintf("compaction, %d keys x %d (%.0f MB log)", keys, rounds, n / 1e6), engine / 1e6, raw / 1e6, ratio * 100, ">=50%", (ratio >= 0.5 ? "PASS" : "MISS")
  printf "%-52s %11.1f MB   %14s\n", sprintf("cleaner peak RSS (%d pass%s; map %.1f MB)", passes, passes == 1 ? "" : "es", map / 1e6), peak / 1e6, sprintf("%.1f MB before", before / 1e6)
  printf "%-52s %11.3f s    %14s\n", sprintf("retention over %d expired segments", deleted), rs, sprintf("%.1f us/segment", rs * 1e6 / deleted)
  printf "\nraw: read %.2f s + write %.2f s of %.0f MB; strata: %.2f s to read %.0f MB and write the compacted log\n", r - s, w - r, n / 1e6, secs, br / 1e6
}'
