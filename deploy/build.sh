#!/bin/sh
# Build the release binaries into OUTDIR: supportd (with cgo: SQLite is C
# code) and supportctl. The Dockerfile's build stage runs this script, and
# so does deploy/docker-steps.sh natively: one set of commands and flags.
# VERSION (default: empty, the build info's module version) is stamped
# into both binaries (`supportd version`).
# Usage: deploy/build.sh OUTDIR   (from the repository root)
set -eu
out=${1:?usage: deploy/build.sh OUTDIR}
ldflags="-s -w -X github.com/supportd/supportd/internal/buildinfo.version=${VERSION:-}"
CGO_ENABLED=1 go build -trimpath -ldflags "$ldflags" -o "$out/supportd" ./cmd/supportd
CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/supportctl" ./cmd/supportctl
