package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// defaultMetricsAddr is where /metrics and /healthz are served by default:
// loopback only, on the port registered for OpenTelemetry's Prometheus
// exporter (9464), not Prometheus's own 9090, which a Prometheus on the
// same host already holds.
const defaultMetricsAddr = "127.0.0.1:9464"

// serveMetrics binds addr at once, so that a port in use stops the server
// at start like the gRPC listener does (not a log line nobody reads), then
// serves h on it. It returns the bound address and the stop function.
func serveMetrics(addr string, h http.Handler, log *slog.Logger) (string, func(), error) {
	lis, err := net.Listen("tcp", addr)
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
