# syntax=docker/dockerfile:1
# supportd: build with cgo (SQLite is C code) in the Go image, run as a
# non-root user in a slim Debian of the same release (same glibc).
#
#   docker build --build-arg VERSION=v1.0.0 -t supportd .
#   docker run -d -p 8443:8443 -p 127.0.0.1:9464:9464 -v supportd-data:/var/lib/supportd \
#     -v /etc/supportd/tls:/etc/supportd/tls:ro supportd
#
# deploy/docker-steps.sh runs these steps natively (no Docker needed); the
# test TestDockerSteps in deploy/ runs it.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
RUN VERSION="${VERSION}" sh deploy/build.sh /out

FROM debian:bookworm-slim AS runtime
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/supportd --shell /usr/sbin/nologin supportd \
 && mkdir -p /var/lib/supportd && chown supportd:supportd /var/lib/supportd
COPY --from=build /out/supportd /out/supportctl /usr/local/bin/
COPY LICENSE /usr/share/doc/supportd/LICENSE
# Every serve flag can be set as SUPPORTD_<FLAG>; a container listens on all
# its interfaces (the port is published by the runtime), so it serves TLS:
# mount the certificate and key at /etc/supportd/tls (a Kubernetes TLS
# secret has these names; the certificate is reloaded when it changes). Behind
# a proxy that terminates TLS, set SUPPORTD_TLS_CERT= SUPPORTD_TLS_KEY= and
# SUPPORTD_INSECURE_PLAINTEXT=true instead (docs/operations.md).
ENV SUPPORTD_LISTEN=0.0.0.0:8443
ENV SUPPORTD_TLS_CERT=/etc/supportd/tls/tls.crt
ENV SUPPORTD_TLS_KEY=/etc/supportd/tls/tls.key
ENV SUPPORTD_DB=/var/lib/supportd/supportd.db
ENV SUPPORTD_METRICS_LISTEN=0.0.0.0:9464
ENV SUPPORTD_HTTP_LISTEN=0.0.0.0:8080
ENV SUPPORTD_LOG_FORMAT=json
USER supportd:supportd
WORKDIR /var/lib/supportd
VOLUME ["/var/lib/supportd"]
EXPOSE 8443 8080 9464
# The probe speaks TLS when SUPPORTD_TLS_CERT is set (supportd health --help).
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["supportd", "health", "--addr", "127.0.0.1:8443"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["supportd"]
CMD ["serve"]
