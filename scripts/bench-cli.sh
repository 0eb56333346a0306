#!/usr/bin/env bash
# Times `ferry plan` as a user runs it, on synthetic release pairs of 1k, 10k and
# 100k nodes (about 1% changed) written as JSON and as YAML: the median wall time of
# five runs and the largest peak memory (max RSS). With DYFF=1 it also times
# `dyff between` (v1.12.0, installed into build/tools) on the same YAML; dyff takes
# over ten minutes at 100k nodes, so DYFF_MAX_NODES (default 10000) caps its runs.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=(1000 10000 100000)
runs=5
out=build/bench
mkdir -p "$out" build/tools

if ! [ -x /usr/bin/time ]; then
  echo "installing GNU time to measure peak memory" >&2
  apt-get install -y -qq time >/dev/null
fi
go build -o build/tools/ferry-synth ./cmd/ferry-synth
if [ "${DYFF:-0}" = 1 ] && ! [ -x build/tools/dyff ]; then
  GOBIN="$PWD/build/tools" go install github.com/homeport/dyff/cmd/dyff@v1.12.0
fi

# measure NAME CMD...: prints the median seconds and the largest max RSS of $runs runs.
measure() {
  local name=$1; shift
  local times=() peak=0 report
  report=$(mktemp)
  for _ in $(seq "$runs"); do
    local line
    /usr/bin/time -f '%e %M' -o "$report" "$@" >/dev/null 2>&1
    line=$(tail -n 1 "$report")
    times+=("${line% *}")
    local rss=${line#* }
    (( rss > peak )) && peak=$rss
  done
  rm -f "$report"
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-34s %8.2f s %8d MB\n' "$name" "$median" $(( peak / 1024 ))
}

printf '%-34s %10s %11s\n' "command (median of $runs)" "time" "peak RSS"
for n in "${sizes[@]}"; do
  dir="$out/$n"
  [ -f "$dir/candidate.yaml" ] || build/tools/ferry-synth -nodes "$n" -out "$dir"
  measure "ferry plan, $n nodes, JSON" bin/ferry plan --format json "$dir/base.json" "$dir/candidate.json"
  measure "ferry plan, $n nodes, YAML" bin/ferry plan --format json "$dir/base.yaml" "$dir/candidate.yaml"
  if [ "${DYFF:-0}" = 1 ] && (( n <= ${DYFF_MAX_NODES:-10000} )); then
    runs=1 measure "dyff between, $n nodes, YAML" build/tools/dyff between --omit-header "$dir/base.yaml" "$dir/candidate.yaml"
  fi
done
