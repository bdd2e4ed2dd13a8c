package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// StorageHealthService is the grpc.health.v1 service name that reports
// whether writes can be stored: NOT_SERVING while the disk is full (a
// write failed with store.ErrStorageFull), SERVING again once a write
// commits (see storageWatch.ReadWriteTx). The overall status ("") stays
// SERVING while the disk is full: reads go on, and restarting the server
// frees nothing.
const StorageHealthService = "supportd.storage"

// DatabaseHealthService is the grpc.health.v1 service name that reports
// whether the database server can be reached (PostgreSQL): NOT_SERVING
// from a transaction that failed with store.ErrUnavailable until one
// succeeds, which the escalation sweep tries every check interval, so the
// status recovers by itself once the database is back. The overall status
// ("") stays SERVING: the outage is the database's, restarting or
// removing every replica helps nothing; a balancer that should route
// around a replica cut off from the database checks this service.
const DatabaseHealthService = "supportd.database"

// storageWatch is the store of the services: it watches transaction
// outcomes for a full disk and an unreachable database, and reports them
// in health, the metrics and the log.
type storageWatch struct {
	store.Store
	log *slog.Logger

	// unavailable mirrors down for the hot path: a successful read
	// transaction costs one atomic load.
	unavailable atomic.Bool

	mu     sync.Mutex
	full   bool
	down   bool           // the last transaction found the database unreachable
	health *health.Server // set by attach
}

func newStorageWatch(st store.Store, log *slog.Logger) *storageWatch {
	return &storageWatch{Store: st, log: log}
}

// storageProbeSetting is the server setting the probe of a full disk
// writes (the time of the probe).
const storageProbeSetting = "storage_probe"

// ReadWriteTx implements store.Store.
//
// A transaction that succeeds while the disk is marked full may not have
// written anything (the escalation sweep's, every check interval, mostly
// does not), so it proves nothing: it is followed by a probe that writes
// one setting. The status recovers when the probe commits, that is within
// a check interval after space is freed, without waiting for a client.
func (w *storageWatch) ReadWriteTx(ctx context.Context, fn func(tx store.ReadWriter) error) error {
	err := w.Store.ReadWriteTx(ctx, fn)
	w.observe(err)
	switch {
	case errors.Is(err, store.ErrStorageFull):
		w.set(true, err)
	case err == nil && w.Full():
		if perr := w.probe(ctx); perr == nil {
			w.set(false, nil)
		}
	}
	return err
}

// ReadTx implements store.Store, watching for an unreachable database.
func (w *storageWatch) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	err := w.Store.ReadTx(ctx, fn)
	w.observe(err)
	return err
}

// ReadTicket implements store.Store, watching for an unreachable database:
// it is the read of GetTicket, and on PostgreSQL a transaction of its own.
func (w *storageWatch) ReadTicket(ctx context.Context, id string) (domain.Ticket, error) {
	t, err := w.Store.ReadTicket(ctx, id)
	w.observe(err)
	return t, err
}

// observe notes whether a transaction reached the database:
// ErrUnavailable marks it down, a success up again.
func (w *storageWatch) observe(err error) {
	switch {
	case errors.Is(err, store.ErrUnavailable):
		w.setDown(true, err)
	case err == nil && w.unavailable.Load():
		w.setDown(false, nil)
	}
}

func (w *storageWatch) setDown(down bool, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down == down {
		return
	}
	w.down = down
	w.unavailable.Store(down)
	if down {
		w.log.Error("database unavailable: calls fail with UNAVAILABLE until it can be reached again", "error", cause)
	} else {
		w.log.Info("database reachable again")
	}
	if w.health != nil {
		w.health.SetServingStatus(DatabaseHealthService, storageStatus(down))
	}
}

// Unavailable reports whether the last transaction found the database
// unreachable.
func (w *storageWatch) Unavailable() bool { return w.unavailable.Load() }

// probe writes storageProbeSetting and returns the outcome.
func (w *storageWatch) probe(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	return w.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.PutSetting(ctx, storageProbeSetting, []byte(time.Now().UTC().Format(time.RFC3339Nano)))
	})
}

func (w *storageWatch) set(full bool, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.full == full {
		return
	}
	w.full = full
	if full {
		w.log.Error("storage full: writes fail until disk space is freed; reads go on", "error", cause)
	} else {
		w.log.Info("storage writable again")
	}
	if w.health != nil {
		w.health.SetServingStatus(StorageHealthService, storageStatus(full))
	}
}

// Full reports whether the last write found the disk full.
func (w *storageWatch) Full() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.full
}

// attach reports the storage status in h from now on.
func (w *storageWatch) attach(h *health.Server) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.health = h
	h.SetServingStatus(StorageHealthService, storageStatus(w.full))
	h.SetServingStatus(DatabaseHealthService, storageStatus(w.down))
}

// gauge is the metric supportd_storage_full (1 while the disk is full).
func (w *storageWatch) gauge() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "supportd_storage_full",
		Help: "1 while writes fail because the database's disk is full, else 0.",
	}, func() float64 {
		if w.Full() {
			return 1
		}
		return 0
	})
}

// unavailableGauge is the metric supportd_database_unavailable (1 while
// the database cannot be reached).
func (w *storageWatch) unavailableGauge() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "supportd_database_unavailable",
		Help: "1 while transactions fail because the database server cannot be reached (PostgreSQL restarting, network down), else 0.",
	}, func() float64 {
		if w.Unavailable() {
			return 1
		}
		return 0
	})
}

// storageStatus is the health status of a failing (true) or working
// storage condition.
func storageStatus(failing bool) healthpb.HealthCheckResponse_ServingStatus {
	if failing {
		return healthpb.HealthCheckResponse_NOT_SERVING
	}
	return healthpb.HealthCheckResponse_SERVING
}
