package app

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportd/supportd/server/store"
)

// disk is a store whose transactions see a tx that can only write
// settings, failing with store.ErrStorageFull while full.
type disk struct {
	store.Store
	full   atomic.Bool
	writes atomic.Int64
}

func (d *disk) ReadWriteTx(ctx context.Context, fn func(tx store.ReadWriter) error) error {
	return fn(diskTx{d: d})
}

type diskTx struct {
	store.ReadWriter // nil: only PutSetting is used
	d                *disk
}

func (t diskTx) PutSetting(context.Context, string, []byte) error {
	if t.d.full.Load() {
		return store.ErrStorageFull
	}
	t.d.writes.Add(1)
	return nil
}

func TestStorageWatchRecoversWithoutAClientWrite(t *testing.T) {
	d := &disk{}
	w := newStorageWatch(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := health.NewServer()
	w.attach(h)
	status := func() healthpb.HealthCheckResponse_ServingStatus {
		resp, err := h.Check(t.Context(), &healthpb.HealthCheckRequest{Service: StorageHealthService})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus()
	}
	write := func(tx store.ReadWriter) error { return tx.PutSetting(t.Context(), "x", nil) }
	noop := func(store.ReadWriter) error { return nil } // like a sweep with nothing due

	if err := w.ReadWriteTx(t.Context(), noop); err != nil || w.Full() {
		t.Fatalf("no-op on a sound disk: %v, full %v", err, w.Full())
	}
	if d.writes.Load() != 0 {
		t.Fatal("probe written while the disk was not marked full")
	}
	d.full.Store(true)
	if err := w.ReadWriteTx(t.Context(), write); err == nil || !w.Full() || status() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("write on a full disk: %v, full %v, health %v", err, w.Full(), status())
	}
	// A transaction that writes nothing succeeds, but the disk is still full.
	if err := w.ReadWriteTx(t.Context(), noop); err != nil || !w.Full() {
		t.Fatalf("no-op on a full disk: %v, full %v; want still full", err, w.Full())
	}
	// Space freed: the next transaction, even one that writes nothing, is
	// followed by a probe that commits, and the status recovers.
	d.full.Store(false)
	if err := w.ReadWriteTx(t.Context(), noop); err != nil || w.Full() || status() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("after space was freed: %v, full %v, health %v", err, w.Full(), status())
	}
	if d.writes.Load() != 1 {
		t.Fatalf("%d probe writes, want 1", d.writes.Load())
	}
}
