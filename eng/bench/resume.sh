#!/usr/bin/env bash
# Resume benchmark (issue 13): the time of an `etl run` that resumes a run killed (-9) half-way, beside an
# uninterrupted `etl run` of the same files, interleaved in the same session, median of N trials each.
# Usage: eng/bench/resume.sh [trials=3] [files=12] [rows-per-file=100000]
# Prints one line per trial and the medians. Needs a Release build of src/Etl.Cli (dotnet build -c Release).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
trials="${1:-3}" files="${2:-12}" rows="${3:-100000}"
etl=(dotnet "$root/src/Etl.Cli/bin/Release/net10.0/etl.dll")
work="$(mktemp -d /tmp/etl-resume-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# The landed files, made once and copied into each trial's fresh lake.
mkdir -p "$work/landed"
for i in $(seq 1 "$files"); do
  "${etl[@]}" generate "$work/landed/part-$(printf %03d "$i").csv" --rows "$rows" --seed "$i" >/dev/null
done

fresh_lake() { # dir
  rm -rf "$1"; mkdir -p "$1/lake/landing/sales"
  cp "$root/samples/sales-records/pipeline.yaml" "$1/pipeline.yaml"
  cp "$work/landed/"*.csv "$1/lake/landing/sales/"
}

now() { date +%s.%N; }
digest() { (cd "$1" && find . -name '*.parquet' -print0 | sort -z | xargs -0 md5sum | md5sum); }
outputs() { find "$1/lake/processed" -name '*.parquet' 2>/dev/null | wc -l; }

fresh=() resumed=() killed_at=()
for t in $(seq 1 "$trials"); do
  # Uninterrupted.
  fresh_lake "$work/f"
  s=$(now); "${etl[@]}" run --config "$work/f/pipeline.yaml" >/dev/null 2>&1 || true; e=$(now)
  f=$(echo "$e - $s" | bc); fresh+=("$f")
  half=$(( $(outputs "$work/f") / 2 ))

  # Killed once half of the outputs are written, then resumed.
  fresh_lake "$work/r"
  "${etl[@]}" run --config "$work/r/pipeline.yaml" >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && [ "$(outputs "$work/r")" -lt "$half" ]; do sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  k=$(outputs "$work/r"); killed_at+=("$k")
  s=$(now); "${etl[@]}" run --config "$work/r/pipeline.yaml" >"$work/resume.out" 2>&1 || true; e=$(now)
  r=$(echo "$e - $s" | bc); resumed+=("$r")
  grep -q "Resuming run" "$work/resume.out" || echo "warning: trial $t did not resume a run (killed too late?)" >&2
  # The resumed lake must hold the same rows as the uninterrupted one.
  a=$(digest "$work/f/lake/processed"); b=$(digest "$work/r/lake/processed")
  same=$([ "$a" = "$b" ] && echo identical || echo DIFFERENT)
  printf 'trial %d: fresh %.1f s, resumed %.1f s (killed with %d of %d outputs written; output %s)\n' "$t" "$f" "$r" "$k" "$(outputs "$work/f")" "$same"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf 'median over %d trials (%d files x %d rows): fresh run %.1f s, resumed run %.1f s\n' "$trials" "$files" "$rows" "$(median "${fresh[@]}")" "$(median "${resumed[@]}")"
