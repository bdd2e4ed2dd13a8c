package app

import (
	"context"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// drainingHealth is the standard health server whose Watch streams end at
// shutdown (after telling the watcher NOT_SERVING), like every other
// stream: otherwise one client watching health (client-side health
// checking) holds the graceful stop for the whole grace period.
// At most limits.health_watches Watch streams are open at once.
type drainingHealth struct {
	*health.Server
	done    <-chan struct{} // closed at shutdown
	watches *healthWatchSlots
}

// Watch implements grpc.health.v1.Health.Watch.
func (h drainingHealth) Watch(in *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	if err := h.watches.acquire(stream.Context()); err != nil {
		return err
	}
	defer h.watches.release()
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	ws := &watchStream{Health_WatchServer: stream, ctx: ctx, last: -1}
	errc := make(chan error, 1)
	go func() { errc <- h.Server.Watch(in, ws) }()
	select {
	case err := <-errc:
		select {
		case <-h.done:
			// The shutdown also cancelled the stream's context, and the
			// inner Watch saw that first: still end as a shutdown.
		default:
			return err
		}
	case <-h.done:
		cancel()
		<-errc // no Send runs after this
	}
	if ws.last != healthpb.HealthCheckResponse_NOT_SERVING {
		_ = stream.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_NOT_SERVING})
	}
	return nil
}

// watchStream replaces a Watch stream's context and records the last
// status sent (only the inner Watch's goroutine touches last until it
// returns).
type watchStream struct {
	healthpb.Health_WatchServer
	ctx  context.Context
	last healthpb.HealthCheckResponse_ServingStatus
}

func (w *watchStream) Context() context.Context { return w.ctx }

func (w *watchStream) Send(m *healthpb.HealthCheckResponse) error {
	err := w.Health_WatchServer.Send(m)
	if err == nil {
		w.last = m.GetStatus()
	}
	return err
}
