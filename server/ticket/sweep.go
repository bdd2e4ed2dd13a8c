package ticket

import (
	"context"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/escalation"
	"github.com/supportd/supportd/server/store"
)

// SystemActor is the actor of automatic changes.
const SystemActor = "system"

// Sweep fires the SLA stages due now: it finds due tickets through the
// store's index (cost grows with the due tickets, not with all open ones)
// and, in one write transaction per batch of at most batch tickets, advances
// each and records its events. A stage fires exactly once because the SLA
// state and its events commit together. Replicas sweeping together share
// the due tickets out: each batch claims its tickets (ListDueTickets in a
// write transaction skips the tickets another sweep holds), so no two
// sweeps work on one ticket and none fails on another's version. It
// returns how many tickets changed.
func (s *Service) Sweep(ctx context.Context, batch int) (int, error) {
	total := 0
	for {
		now := s.now().UTC()
		n, full, err := s.sweepBatch(ctx, now, batch)
		total += n
		if err != nil || !full || n == 0 {
			return total, err
		}
	}
}

func (s *Service) sweepBatch(ctx context.Context, now time.Time, batch int) (changed int, full bool, err error) {
	err = s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		changed = 0
		due, err := tx.ListDueTickets(ctx, now, batch)
		if err != nil {
			return err
		}
		full = len(due) == batch
		for _, t := range due {
			stages := escalation.Advance(&t, now)
			if len(stages) == 0 {
				continue
			}
			t.Version++
			t.UpdateTime = now
			if err := tx.UpdateTicket(ctx, t); err != nil {
				return err
			}
			changes := make([]change, len(stages))
			for i, st := range stages {
				changes[i] = change{typ: st, detail: stageDetail(st, t)}
			}
			if err := appendChanges(ctx, tx, t, SystemActor, now, changes); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	return changed, full, err
}

func stageDetail(st escalation.Stage, t domain.Ticket) string {
	switch st {
	case domain.EventSLAWarning:
		return fmt.Sprintf("no first response yet; response due %s", detailTime(t.ResponseDueTime))
	case domain.EventSLABreached:
		return fmt.Sprintf("response deadline %s passed without a first response", detailTime(t.ResponseDueTime))
	case domain.EventEscalated:
		return fmt.Sprintf("escalated automatically to level %d, duty-manager tier of queue %s", t.EscalationLevel, t.Queue)
	}
	return string(st)
}
