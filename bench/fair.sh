#!/bin/sh
# Reproduces docs/benchmarks.md "Fairness: one partner's flood": partner B's
# GetTicket latency alone and while partner A floods, on a supportd with the
# default per-key rate limit and on one without, 3 rounds. Extra flags go to
# fairbench, e.g.
#   bench/fair.sh --flood 256          # more flooding callers
#   bench/fair.sh --flood-nice 0       # the flood competes for the CPU too
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/supportd" ./cmd/supportd
go build -o "$bin/fairbench" ./cmd/fairbench
"$bin/fairbench" --supportd "$bin/supportd" --rate 40 --flood 64 --warmup 2s --duration 10s --rounds 3 "$@"
