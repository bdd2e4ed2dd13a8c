#!/usr/bin/env bash
# Run the Dockerfile natively, for machines without Docker (CI, developer
# laptops): the build stage's commands, then the runtime stage as the image
# would run it (its ENV, ENTRYPOINT and CMD), then its HEALTHCHECK command,
# then a graceful stop. The Dockerfile is read, not copied, so the two
# cannot drift apart: the build stage runs deploy/build.sh, as here.
#
# What cannot be reproduced without a container: the non-root user, the
# filesystem layout (the image's /var/lib/supportd and /etc/supportd become
# $WORK/root/..., with a self-signed certificate in place of the mounted one)
# and the published ports (8443, 8080 and 9464 become GRPC_PORT, HTTP_PORT and METRICS_PORT).
#
# Usage (from anywhere): deploy/docker-steps.sh
# Environment: WORK (default: a new temporary directory), GRPC_PORT (18443),
# HTTP_PORT (18080), METRICS_PORT (19464), VERSION (stamped into the binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-$(mktemp -d)}
grpc_port=${GRPC_PORT:-18443}
metrics_port=${METRICS_PORT:-19464}
http_port=${HTTP_PORT:-18080}
step() { printf '\n== %s\n' "$*"; }

# json_args 'CMD ["a", "b"]' prints a, b one per line (the Dockerfile's exec
# form; its arguments contain no quotes, commas or spaces).
json_args() { sed -e 's/^[^[]*\[//' -e 's/\].*$//' -e 's/", *"/\n/g' -e 's/"//g' <<<"$1"; }
# image_paths maps the image's paths and ports to the native ones.
image_paths() {
  sed -e "s|/var/lib/supportd|$work/root/var/lib/supportd|g" -e "s|/etc/supportd|$work/root/etc/supportd|g" \
      -e "s|:8443\b|:$grpc_port|g" -e "s|:9464\b|:$metrics_port|g" -e "s|:8080\b|:$http_port|g" <<<"$1"
}

step "build stage (Dockerfile: go mod download; deploy/build.sh /out)"
grep -q '^RUN go mod download$' Dockerfile
grep -q '^RUN VERSION="${VERSION}" sh deploy/build.sh /out$' Dockerfile
go mod download
VERSION="${VERSION:-}" sh deploy/build.sh "$work/out"

step "runtime stage"
runtime=$(sed -n '/^FROM .* AS runtime$/,$p' Dockerfile)
[ -n "$runtime" ] || { echo "Dockerfile: no 'AS runtime' stage" >&2; exit 1; }
# COPY sources from the build context must exist.
while read -r line; do
  set -- $line
  shift
  while [ $# -gt 1 ]; do [ -e "$1" ] || { echo "Dockerfile: $line: $1 does not exist" >&2; exit 1; }; shift; done
done < <(grep -E '^COPY [^-]' <<<"$runtime")
mkdir -p "$work/root/var/lib/supportd" "$work/root/etc/supportd/tls"
# The certificate a deployment mounts: self-signed here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$work/root/etc/supportd/tls/tls.key" -out "$work/root/etc/supportd/tls/tls.crt" 2>/dev/null
while read -r kv; do
  [ -n "$kv" ] || continue
  kv=$(image_paths "$kv")
  echo "ENV $kv"
  export "${kv?}"
done < <(sed -n 's/^ENV //p' <<<"$runtime")
mapfile -t entry < <(json_args "$(grep '^ENTRYPOINT ' <<<"$runtime")")
mapfile -t cmd < <(json_args "$(grep '^CMD ' <<<"$runtime")")
health_line=$(grep -E '^ +CMD \[' <<<"$runtime")   # the HEALTHCHECK's continuation line
mapfile -t health < <(json_args "$(image_paths "$health_line")")
export PATH="$work/out:$PATH"                       # the image's /usr/local/bin
cd "$work/root/var/lib/supportd"                    # WORKDIR

log="$work/supportd.log"
: >"$log" # exists before tail follows it (the server opens it in the background)
echo "+ ${entry[*]} ${cmd[*]}"
"${entry[@]}" "${cmd[@]}" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
# Ready when it logs its address (or gone when it exits): no polling.
if ! timeout 60 grep -q -m1 -e 'supportd serving' -e '"msg":"supportd serving"' <(tail -n +1 --pid="$pid" -f "$log"); then
  echo "supportd did not start:" >&2; cat "$log" >&2; exit 1
fi
supportd version

step "HEALTHCHECK: ${health[*]}"
"${health[@]}"

step "stop (STOPSIGNAL SIGTERM)"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
trap - EXIT
if [ "$status" -ne 0 ] || ! grep -q 'stopped' "$log"; then
  echo "supportd did not stop cleanly (exit $status):" >&2; cat "$log" >&2; exit 1
fi
echo "ok: the image's steps build, serve, pass the health check and stop cleanly"
