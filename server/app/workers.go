package app

import (
	"context"
	"time"

	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/ticket"
)

// sweepBatch is the most tickets one escalation transaction advances.
const sweepBatch = 500

// janitorInterval is how often expired request ids and events are pruned.
const janitorInterval = time.Hour

// startWorkers runs the escalation sweep, the janitor and the key checks
// of open streams until shutdown.
func (a *App) startWorkers() {
	a.workers.Add(5)
	go func() {
		defer a.workers.Done()
		a.followCommits(a.commits, a.domain)
	}()
	go func() {
		defer a.workers.Done()
		a.every(keyExpiryInterval, func(context.Context) { a.authn.ExpireStreams() })
	}()
	go func() {
		defer a.workers.Done()
		a.every(keyRecheckInterval, a.recheckKeys)
	}()
	go func() {
		defer a.workers.Done()
		a.every(a.opts.Config.Escalation.CheckInterval, a.sweep)
	}()
	go func() {
		defer a.workers.Done()
		a.every(janitorInterval, a.prune)
	}()
}

// every runs fn now and then every interval until shutdown.
func (a *App) every(interval time.Duration, fn func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(a.streams)
		select {
		case <-a.streams.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep runs one escalation sweep now and returns how many tickets changed
// (tests drive it with their own clock).
func (a *App) Sweep(ctx context.Context) (int, error) { return a.tickets.Sweep(ctx, sweepBatch) }

func (a *App) sweep(ctx context.Context) {
	if n, err := a.Sweep(ctx); err != nil && ctx.Err() == nil {
		a.opts.Logger.Error("escalation sweep", "error", err)
	} else if n > 0 {
		a.opts.Logger.Info("escalation sweep", "tickets", n)
	}
	if a.opts.SweepRound != nil {
		a.opts.SweepRound()
	}
}

// recheckKeys reads the keys of open streams again (revocations by another
// process sharing the database end their streams).
func (a *App) recheckKeys(ctx context.Context) {
	if err := a.authn.RecheckStreams(ctx); err != nil && ctx.Err() == nil {
		a.opts.Logger.Error("rechecking the keys of open streams", "error", err)
	}
}

// Prune forgets request ids past their retention and events past the
// watch retention (resuming from older tokens is then OUT_OF_RANGE), now
// (tests drive it with their own clock). The audit trail is never pruned.
func (a *App) Prune(ctx context.Context) error {
	now := a.opts.Now()
	return a.opts.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if _, err := tx.DeleteIdempotencyBefore(ctx, now.Add(-ticket.IdempotencyRetention)); err != nil {
			return err
		}
		_, err := tx.DeleteEventsBefore(ctx, now.Add(-a.opts.Config.Watch.Retention))
		return err
	})
}

// prune discards the content of uploads abandoned mid-way (a crash), then
// runs Prune.
func (a *App) prune(ctx context.Context) {
	if _, err := a.SweepStagedUploads(ctx); err != nil && ctx.Err() == nil {
		a.opts.Logger.Error("sweeping staged uploads", "error", err)
	}
	if err := a.Prune(ctx); err != nil && ctx.Err() == nil {
		a.opts.Logger.Error("pruning", "error", err)
	}
}

// SweepStagedUploads discards staged uploads idle for longer than
// ticket.StagedUploadRetention now and returns how many (tests drive it
// with their own clock).
func (a *App) SweepStagedUploads(ctx context.Context) (int, error) {
	return a.attachments.SweepStagedUploads(ctx)
}
