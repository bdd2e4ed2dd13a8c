package ticket

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/lifecycle"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
)

var mutateNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// mutateFixture is a ticket service over a temporary SQLite store holding
// ticket "t-1" of partner "p-1" at version 1.
func mutateFixture(t *testing.T) (*Service, store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mutate.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	created := mutateNow.Add(-time.Hour)
	err = st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		for _, p := range []string{"p-1", "p-2"} {
			if err := tx.CreatePartner(ctx, domain.Partner{ID: p, DisplayName: p, Status: domain.PartnerActive, CreateTime: created, UpdateTime: created}); err != nil {
				return err
			}
		}
		if err := tx.CreateCustomer(ctx, domain.Customer{ID: "c-1", PartnerID: "p-1", DisplayName: "c", Kind: domain.CustomerEndCustomer, CreateTime: created}); err != nil {
			return err
		}
		return tx.CreateTicket(ctx, domain.Ticket{ID: "t-1", PartnerID: "p-1", CustomerID: "c-1", Service: domain.ServiceAzure,
			SupportTopicID: "topic", Category: domain.CategoryTechnical, Title: "title", Description: "description",
			Severity: domain.SeverityB, Language: "en-US", Contact: domain.Contact{Name: "Ada", Email: "ada@p-1.example"},
			PreferredContactMethod: domain.ContactEmail, Status: domain.StatusNew, SupportPlan: domain.PlanCloudSolutionProvider,
			Fee: domain.FeeBilled, Queue: domain.QueueAzure, SLAState: domain.SLARunning, ResponseDueTime: mutateNow.Add(time.Hour),
			CreateTime: created, UpdateTime: created, Version: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	return New(st, nil, func() time.Time { return mutateNow }), st
}

// mutateState reads the ticket and the log's last sequence.
func mutateState(t *testing.T, st store.Store) (domain.Ticket, int64) {
	t.Helper()
	ctx := context.Background()
	var tk domain.Ticket
	var last int64
	err := st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		if tk, err = tx.GetTicket(ctx, "t-1"); err != nil {
			return err
		}
		last, err = tx.LastSequence(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk, last
}

// retitle is a mutation that changes the title and records one event.
func retitle(tk *domain.Ticket, _ time.Time) ([]change, error) {
	tk.Title = "changed"
	return []change{{typ: domain.EventNoteAdded, detail: "retitled"}}, nil
}

// TestMutateRefusals: a change outside the caller's scope, at a stale etag
// version, of a missing ticket, without an id, or refused by the mutation
// itself, is refused with its own error and leaves the ticket and the event
// log as they were.
func TestMutateRefusals(t *testing.T) {
	t.Parallel()
	failing := func(*domain.Ticket, time.Time) ([]change, error) {
		return nil, &lifecycle.IllegalTransitionError{From: domain.StatusNew, To: domain.StatusClosed}
	}
	cases := []struct {
		name   string
		caller Caller
		id     string
		etag   int64
		m      mutation
		check  func(error) bool
	}{
		{"other partner", Caller{PartnerID: "p-2", Actor: "partner:p-2"}, "t-1", 0, retitle,
			func(err error) bool { var e *domain.NotFoundError; return errors.As(err, &e) }},
		{"stale etag", Caller{PartnerID: "p-1", Actor: "partner:p-1"}, "t-1", 7, retitle,
			func(err error) bool { var e *domain.ConflictError; return errors.As(err, &e) }},
		{"missing ticket", Caller{Actor: "agent:k"}, "t-2", 0, retitle,
			func(err error) bool { var e *domain.NotFoundError; return errors.As(err, &e) }},
		{"no id", Caller{Actor: "agent:k"}, "", 0, retitle,
			func(err error) bool { var e *domain.ValidationError; return errors.As(err, &e) }},
		{"illegal transition", Caller{Actor: "agent:k"}, "t-1", 0, failing,
			func(err error) bool {
				var e *domain.PreconditionError
				return errors.As(err, &e) && e.Reason == "ILLEGAL_TRANSITION" && e.Subject == "tickets/t-1"
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, st := mutateFixture(t)
			before, lastBefore := mutateState(t, st)
			_, err := s.mutate(context.Background(), c.caller, c.id, c.etag, c.m)
			if err == nil || !c.check(err) {
				t.Fatalf("mutate = %v (%T)", err, err)
			}
			after, lastAfter := mutateState(t, st)
			if after.Version != before.Version || after.Title != before.Title || lastAfter != lastBefore {
				t.Errorf("refused change kept: version %d -> %d, title %q -> %q, last event %d -> %d",
					before.Version, after.Version, before.Title, after.Title, lastBefore, lastAfter)
			}
		})
	}
}

// TestMutateApplies: a change at the current etag version (or without one)
// by the owning partner or support bumps the version, stamps the clock and
// appends its event, carrying the ticket after the change, in the same
// transaction.
func TestMutateApplies(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		caller Caller
		etag   int64
	}{
		{"partner at etag", Caller{PartnerID: "p-1", Actor: "partner:p-1"}, 1},
		{"support without etag", Caller{Actor: "agent:k"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, st := mutateFixture(t)
			_, lastBefore := mutateState(t, st)
			got, err := s.mutate(context.Background(), c.caller, "t-1", c.etag, retitle)
			if err != nil {
				t.Fatal(err)
			}
			stored, last := mutateState(t, st)
			if got.Version != 2 || stored.Version != 2 || stored.Title != "changed" || !stored.UpdateTime.Equal(mutateNow) {
				t.Errorf("returned v%d, stored v%d %q updated %v; want v2 \"changed\" at %v",
					got.Version, stored.Version, stored.Title, stored.UpdateTime, mutateNow)
			}
			if last != lastBefore+1 {
				t.Fatalf("events appended: %d, want 1", last-lastBefore)
			}
			var evs []domain.Event
			err = st.ReadTx(context.Background(), func(tx store.Reader) error {
				var err error
				evs, err = tx.ListEvents(context.Background(), lastBefore, store.EventFilter{}, 10)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || evs[0].Actor != c.caller.Actor || evs[0].Detail != "retitled" || evs[0].Ticket == nil ||
				evs[0].Ticket.Version != 2 || evs[0].Ticket.Title != "changed" || !evs[0].Time.Equal(mutateNow) {
				t.Errorf("events = %+v", evs)
			}
			// The etag the change was made at is now stale.
			if c.etag != 0 {
				_, err := s.mutate(context.Background(), c.caller, "t-1", c.etag, retitle)
				var conflict *domain.ConflictError
				if !errors.As(err, &conflict) {
					t.Errorf("second change at etag %d = %v, want a conflict", c.etag, err)
				}
			}
		})
	}
}
