#!/usr/bin/env bash
# Benchmark: the seed's T1204.001 query over generated Falcon-like NDJSON, timed for lanner, jq
# (scripts/seed.jq) and DuckDB (scripts/duckdb, the SQL in shared/acceptance/peers/) on the same
# file in the same run, with a check that all three return the same rows. Prints a Markdown
# section for docs/performance.md (also saved as $BENCH_DIR/results.md). Run from anywhere:
#
#   bash scripts/bench.sh
#
# Environment:
#   BENCH_DIR    work and cache folder (default /tmp/lanner-bench); generated files are reused
#                while the generator's sources are unchanged
#   BENCH_SIZE   data size (default 200MB)        BENCH_SEED  generator seed (default 1)
#   BENCH_RUNS   lanner runs and DuckDB queries per process (default 3; first = cold, best of
#                the rest = warm)
#   BENCH_JQ=0   skip jq (about 10 s per 200 MB, twice: top 200 and every match)
#   BENCH_1GB=1  also run lanner over a generated 1 GB file (peak RSS and Go heap; about 1 min)
#   SHARED_DIR   the shared/ folder (default: ../shared beside the repository)
#   LANNER       use this lanner binary instead of building ./cmd/lanner
# Exit status: 0 when every peer that ran returned the same rows, 1 otherwise.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_DIR:-$(cd "$root/.." && pwd)/shared}
dir=${BENCH_DIR:-/tmp/lanner-bench}
size=${BENCH_SIZE:-200MB}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-3}
bin=$dir/bin
out=$dir/out
mkdir -p "$bin" "$out"
seedcql=$shared/acceptance/seed.cql
seedall=$shared/acceptance/seed-all.cql
duckSQL=$shared/acceptance/peers/duckdb-seed.sql
compare=$shared/acceptance/compare_rows.py
for f in "$seedcql" "$seedall" "$duckSQL" "$compare"; do
  [[ -f $f ]] || { echo "bench: missing $f (set SHARED_DIR)" >&2; exit 2; }
done

log() { echo "bench: $*" >&2; }

need_pkg() {  # COMMAND PACKAGE: install a Debian package when the command is missing
  command -v "$1" > /dev/null 2>&1 && return 0
  log "installing $2"
  local sudo=""; [[ $(id -u) != 0 ]] && sudo=sudo
  { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2"; } > "$out/apt.log" 2>&1 || { log "could not install $2 (see $out/apt.log)"; return 1; }
}
need_pkg jq jq
[[ -x /usr/bin/time ]] || need_pkg /usr/bin/time time || { log "/usr/bin/time is needed"; exit 2; }

# timed OUTFILE ERRFILE COMMAND...: runs the command with stdout/stderr to files; sets
# t_wall (s, to the millisecond, from the shell's clock), t_rss (MB), t_rc
timed() {
  local o=$1 e=$2 t0 t1; shift 2
  t0=$EPOCHREALTIME
  /usr/bin/time -o "$out/time.txt" -f '%e %M %x' "$@" > "$o" 2> "$e"
  t1=$EPOCHREALTIME
  read -r _ t_rss t_rc < <(tail -n 1 "$out/time.txt")
  t_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  t_rss=$(awk -v k="$t_rss" 'BEGIN { printf "%.0f", k / 1024 }')
}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s; else print "n/a" }'; }
best() { printf '%s\n' "$@" | sort -g | head -n 1; }
# peak Go heap (MB) from GODEBUG=gctrace=1 lines "… A->B->C MB, …": the largest A or B
gcpeak() { grep -oE '[0-9]+->[0-9]+->[0-9]+ MB' "$1" | awk -F'->| ' '{ for (i = 1; i <= 2; i++) if ($i + 0 > m) m = $i + 0 } END { if (NR == 0) print "< 16 (no GC ran)"; else print m }'; }

# ---- build
log "building the generator"
(cd "$root" && go build -o "$bin/genfalcon" ./scripts/genfalcon) || { log "generator build failed"; exit 2; }
genhash=$(cat "$root"/internal/gen/*.go "$root/scripts/genfalcon/main.go" | sha256sum | cut -c1-12)

lanner=${LANNER:-}
if [[ -z $lanner ]]; then
  log "building ./cmd/lanner (CGO_ENABLED=0)"
  if (cd "$root" && CGO_ENABLED=0 go build -o "$bin/lanner" ./cmd/lanner) > "$out/lanner-build.log" 2>&1; then
    lanner=$bin/lanner
  else
    log "SKIPPING lanner: ./cmd/lanner does not build yet ($(head -n 3 "$out/lanner-build.log" | tr '\n' ' '))"
  fi
fi

duck=""
log "building the DuckDB peer (scripts/duckdb, cgo; the first build takes minutes)"
if (cd "$root/scripts/duckdb" && CGO_ENABLED=1 go build -o "$bin/duckdb-peer" .) > "$out/duckdb-build.log" 2>&1; then
  duck=$bin/duckdb-peer
else
  log "SKIPPING DuckDB: build failed (see $out/duckdb-build.log; it needs gcc and the Go module proxy)"
fi

# ---- data
gendata() {  # SIZE SEED -> prints the path; cached by generator hash
  local f=$dir/falcon-$1-seed$2-$genhash.ndjson
  if [[ ! -s $f || ! -s $f.stats ]]; then
    log "generating $1 (seed $2) into $f"
    "$bin/genfalcon" -size "$1" -seed "$2" -o "$f.tmp" 2> "$f.stats.tmp" || { cat "$f.stats.tmp" >&2; exit 2; }
    mv "$f.tmp" "$f"; mv "$f.stats.tmp" "$f.stats"
  else
    log "reusing $f"
  fi
  echo "$f"
}
data=$(gendata "$size" "$seed")
bytes=$(stat -c %s "$data")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
genstats=$(cat "$data.stats")
planted=$(sed -nE 's/.* ([0-9]+) seed-query matches.*/\1/p' <<< "$genstats")
events=$(sed -nE 's/^genfalcon: ([0-9]+) events.*/\1/p' <<< "$genstats")
pr2=$(sed -nE 's/.* ([0-9]+) ProcessRollup2.*/\1/p' <<< "$genstats")
cat "$data" > /dev/null # into the page cache, for every peer alike

rows=()  # "tool|run|wall|MB/s|rss|heap|rows"
all_counts=()
fail=0

# ---- lanner
if [[ -n $lanner ]]; then
  log "lanner: $runs runs"
  walls=(); rss=0; heap=""; ok=1
  for i in $(seq 1 "$runs"); do
    GODEBUG=gctrace=1 timed "$out/lanner.ndjson" "$out/lanner.err" "$lanner" query --format ndjson -f "$seedcql" "$data"
    if [[ $t_rc != 0 ]]; then log "lanner exited $t_rc: $(grep -v '^gc ' "$out/lanner.err" | head -c 300)"; ok=0; break; fi
    walls+=("$t_wall"); (( t_rss > rss )) && rss=$t_rss
    h=$(gcpeak "$out/lanner.err")
    if [[ -z $heap ]] || { [[ $h =~ ^[0-9]+$ ]] && { [[ ! $heap =~ ^[0-9]+$ ]] || (( h > heap )); }; }; then heap=$h; fi
  done
  if [[ $ok == 1 ]]; then
    n=$(wc -l < "$out/lanner.ndjson")
    rows+=("lanner|first run|${walls[0]}|$(mbps "$bytes" "${walls[0]}")|$rss|$heap|$n")
    lanner_best=${walls[0]}
    if (( runs > 1 )); then b=$(best "${walls[@]:1}"); lanner_best=$b; rows+=("lanner|best of the next $((runs - 1))|$b|$(mbps "$bytes" "$b")|$rss|$heap|$n"); fi
    lanner_walls="${walls[*]}"
    lanner_out=$out/lanner.ndjson
    if "$lanner" query --format ndjson -f "$seedall" "$data" > "$out/lanner-all.ndjson" 2> /dev/null; then
      all_counts+=("lanner $(wc -l < "$out/lanner-all.ndjson")")
    fi
  else
    lanner=""; fail=1
  fi
fi

# ---- jq
if [[ ${BENCH_JQ:-1} != 0 ]]; then
  log "jq: 1 run (top 200), then every match"
  timed "$out/jq.ndjson" "$out/jq.err" jq -nRc --argjson limit 200 -f "$root/scripts/seed.jq" "$data"
  if [[ $t_rc == 0 ]]; then
    rows+=("$(jq --version)|1 run|$t_wall|$(mbps "$bytes" "$t_wall")|$t_rss|–|$(wc -l < "$out/jq.ndjson")")
    jq -nRc --argjson limit null -f "$root/scripts/seed.jq" "$data" > "$out/jq-all.ndjson" && all_counts+=("jq $(wc -l < "$out/jq-all.ndjson")")
  else
    log "jq failed: $(head -c 300 "$out/jq.err")"; fail=1
  fi
fi

# ---- DuckDB
if [[ -n $duck ]]; then
  log "DuckDB: $runs queries in one process"
  timed "$out/duckdb.ndjson" "$out/duckdb.err" "$duck" -sql "$duckSQL" -data "$data" -n "$runs" -o -
  if [[ $t_rc == 0 ]]; then
    line=$(grep '^duckdb: rows=' "$out/duckdb.err" | tail -n 1)
    cold=$(sed -nE 's/.*cold_s=([0-9.]+).*/\1/p' <<< "$line"); warm=$(sed -nE 's/.*warm_s=([0-9.]+).*/\1/p' <<< "$line")
    dver=$(sed -nE 's/.*version=([^ ]+).*/\1/p' <<< "$line")
    n=$(wc -l < "$out/duckdb.ndjson")
    rows+=("DuckDB $dver|cold (first query)|$cold|$(mbps "$bytes" "$cold")|$t_rss|–|$n")
    duck_warm=$warm
    [[ -n $warm ]] && rows+=("DuckDB $dver|warm (best of the next $((runs - 1)))|$warm|$(mbps "$bytes" "$warm")|$t_rss|–|$n")
    c=$("$duck" -sql "$duckSQL" -data "$data" -n 1 -nolimit -count 2> /dev/null) && all_counts+=("DuckDB $c")
  else
    log "DuckDB failed: $(head -c 300 "$out/duckdb.err")"; duck=""; fail=1
  fi
fi

# ---- compare rows
checks=()
ref="" ; refname=""
for pair in "lanner:$out/lanner.ndjson:${lanner:+1}" "jq:$out/jq.ndjson:$([[ ${BENCH_JQ:-1} != 0 && -s $out/jq.ndjson ]] && echo 1)" "DuckDB:$out/duckdb.ndjson:${duck:+1}"; do
  IFS=: read -r name file on <<< "$pair"
  [[ $on == 1 ]] || continue
  if [[ -z $ref ]]; then ref=$file; refname=$name; continue; fi
  if r=$(python3 "$compare" "$ref" "$file"); then
    checks+=("$name = $refname ($(tail -n 1 <<< "$r"))")
  else
    checks+=("$name ≠ $refname ($(tr '\n' ' ' <<< "$r"))"); fail=1
  fi
done
counts_line="generator planted $planted"
for c in "${all_counts[@]}"; do
  counts_line+=", $c"
  [[ ${c##* } == "$planted" ]] || fail=1
done

# ---- 1 GB
big=""
if [[ ${BENCH_1GB:-0} == 1 ]]; then
  if [[ -n $lanner ]]; then
    gb=$(gendata 1GB "$seed"); gbytes=$(stat -c %s "$gb"); cat "$gb" > /dev/null
    log "lanner over 1 GB"
    GODEBUG=gctrace=1 timed "$out/lanner-1g.ndjson" "$out/lanner-1g.err" "$lanner" query --format ndjson -f "$seedcql" "$gb"
    if [[ $t_rc == 0 ]]; then
      big="| lanner, 1 GB ($(awk -v b="$gbytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB) | 1 run | $t_wall | $(mbps "$gbytes" "$t_wall") | $t_rss | $(gcpeak "$out/lanner-1g.err") | $(wc -l < "$out/lanner-1g.ndjson") |"
    else
      big="lanner over 1 GB exited $t_rc"; fail=1
    fi
  else
    big="lanner over 1 GB: skipped (no lanner binary)"
  fi
fi

# ---- report
cpu=$(lscpu | sed -nE 's/^Model name:[[:space:]]+//p' | head -n 1)
cores=$(nproc)
memg=$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
{
  echo "### Seed query (T1204.001) over $mb MB of Falcon-like NDJSON"
  echo
  echo "Machine: $cpu, $cores cores, $memg GiB RAM; $(go version | awk '{print $3}'), $(uname -sr)."
  echo "Data: \`go run ./scripts/genfalcon -size $size -seed $seed\`: $bytes bytes, $events events, $pr2 ProcessRollup2, $planted seed-query matches. File in the page cache; wall time of the whole process (lanner, jq) or of the query (DuckDB)."
  echo
  echo "| tool | run | wall (s) | MB/s | peak RSS (MB) | peak Go heap (MB) | rows |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for r in "${rows[@]}"; do echo "| ${r//|/ | } |"; done
  [[ $big == \|* ]] && echo "$big"
  echo
  [[ -z $lanner ]] && echo "lanner: not measured (no binary)."
  [[ -n $lanner ]] && echo "lanner's runs (s): $lanner_walls."
  if [[ -n $lanner && -n ${duck_warm:-} ]]; then
    echo "lanner (best warm run) is $(awk -v d="$duck_warm" -v l="$lanner_best" 'BEGIN { printf "%.1f", d / l }')× faster than DuckDB warm."
  fi
  [[ -n $big && $big != \|* ]] && echo "$big."
  joined=$(IFS=';'; echo "${checks[*]:-no two peers ran}"); joined=${joined//;/; }
  echo "Same rows: $joined. Every match (no limit): $counts_line."
  echo "Peak Go heap from GODEBUG=gctrace=1 (largest heap at a GC); DuckDB's RSS is its process over $runs queries."
} | tee "$dir/results.md"
[[ $fail == 0 ]] || log "MISMATCH or failure: see above and $out/"
exit $fail
