package testserver

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// AwaitRefusing waits until the server refuses new calls with UNAVAILABLE,
// which it does once a Shutdown running elsewhere has reached its graceful
// stop (listener closed, GOAWAY sent) and is waiting for in-flight calls.
// Tests use it to know where Shutdown is instead of sleeping. It polls a
// health check, bounded at 10 s, and fails the test past that.
func (s *Server) AwaitRefusing(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Health().Check(context.Background(), &healthpb.HealthCheckRequest{})
		if status.Code(err) == codes.Unavailable {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testserver: new calls still answered during Shutdown: %v", err)
		}
	}
}
