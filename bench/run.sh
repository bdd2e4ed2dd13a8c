#!/bin/sh
# Reproduces docs/benchmarks.md "Filing: GetTicket, CreateTicket, ListTickets":
# a bare grpc-go server and supportd measured side by side in one run (3
# interleaved rounds; ratios per round and their median), 50
# calls in flight, 2 s warm-up + 10 s per load, over loopback TCP. The
# 1,000,000-ticket database of ListTickets is generated on the first run and
# cached under $TMPDIR (or /tmp). Extra flags go to supportbench, e.g.
#   bench/run.sh --pprof-dir /tmp/prof     # CPU profiles of supportd per load
#   bench/run.sh --phases bare,get         # a subset (bare,get,durable,create,list,bare-list,bare-list-cached)
#   bench/run.sh --phases bare-list,bare-list-cached,list   # ListTickets beside
#       its read limits on this machine: bare grpc-go servers over the same
#       database doing only a first page's query, decode and encode
#       (bare-list), or with supportd's ticket caches (bare-list-cached)
#   bench/run.sh --phases bare,durable,get,create,pg   # and on PostgreSQL:
#       GetTicket and CreateTicket with 1 and 2 supportd replicas over a
#       throwaway cluster the run starts (initdb, durable defaults; or
#       --postgres URL), with PostgreSQL's CPU per call (pg-get, pg-create,
#       pg2-get, pg2-create; pg = all four); --pg-pool N sets pool_max_conns
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/supportd" ./cmd/supportd
go build -o "$bin/supportbench" ./cmd/supportbench
"$bin/supportbench" --supportd "$bin/supportd" --concurrency 50 --warmup 2s --duration 10s --tickets 1000000 --rounds 3 "$@"
