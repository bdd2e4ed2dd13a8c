#!/bin/sh
# Reproduces docs/benchmarks.md "Watch streams": supportd's WatchTickets
# against a bare grpc-go broadcaster, side by side in one run, over loopback
# TCP: 5,000 streams (50 connections x 100) receiving 25 events/s, 3 s
# warm-up + 20 s measured (deliveries/s, commit-to-delivery latency), then
# the RSS of 10,000 idle streams (100 connections x 100) on fresh servers.
# Extra flags go to watchbench, e.g.
#   bench/watch.sh --pprof-dir /tmp/prof   # supportd CPU profile, idle heap
#   bench/watch.sh --phases idle           # only the idle memory
#   bench/watch.sh --phases saturate --duration 10s   # each server's saturation point
#   bench/watch.sh --phases replicas       # two replicas over PostgreSQL (a
#       throwaway cluster; or --postgres URL): streams on the replica that
#       commits against streams on the other, same events, same window
set -eu
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/supportd" ./cmd/supportd
go build -o "$bin/watchbench" ./cmd/watchbench
"$bin/watchbench" --supportd "$bin/supportd" --streams 5000 --conns 50 --rate 25 --warmup 3s --duration 20s \
	--idle-streams 10000 --idle-conns 100 "$@"
