package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/supportd/supportd/server/app"
)

// defaultMetricsAddr is where /metrics and /healthz are served by default:
// loopback only, on the port registered for OpenTelemetry's Prometheus
// exporter (9464), not Prometheus's own 9090, which a Prometheus on the
// same host already holds.
const defaultMetricsAddr = "127.0.0.1:9464"

// serveMetrics binds addr at once, so that a port in use stops the server
// at start like the gRPC listener does (not a log line nobody reads), then
// serves h on it, over TLS when tlsConfig is set. It returns the bound
// address and the stop function.
func serveMetrics(addr string, h http.Handler, tlsConfig *tls.Config, log *slog.Logger) (string, func(), error) {
	lis, err := app.ListenMetrics(addr, tlsConfig)
	if err != nil {
		return "", nil, fmt.Errorf("--metrics-listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "error", err)
		}
	}()
	return lis.Addr().String(), func() { srv.Close() }, nil
}
