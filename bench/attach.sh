#!/bin/sh
# Reproduces docs/benchmarks.md "Attachments: 25 MiB up and down": a bare
# grpc-go server and supportd measured side by side in one run, over
# loopback TCP; 5 uploads and 5 downloads of a 25 MiB file on each (median
# throughput), and each server's resident set sampled from /proc during
# the transfers. Extra flags go to attachbench, e.g. --rounds 3.
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/supportd" ./cmd/supportd
go build -o "$bin/attachbench" ./cmd/attachbench
"$bin/attachbench" --supportd "$bin/supportd" "$@"
