package storetest

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// auditFixture is ten audit events: two actors, three kinds, one a second
// apart, the first without before/after values.
func auditFixture() []domain.AuditEvent {
	kinds := []domain.AuditKind{domain.AuditPartnerCreated, domain.AuditPartnerUpdated, domain.AuditAPIKeyRevoked}
	var out []domain.AuditEvent
	for i := range 10 {
		e := domain.AuditEvent{
			Time:     at(time.Duration(i) * time.Second),
			Actor:    []string{"admin:k1", "operator:ann"}[i%2],
			Kind:     kinds[i%3],
			Resource: fmt.Sprintf("partners/p-%d", i),
			Before:   []byte(fmt.Sprintf(`{"id":"p-%d","status":"PARTNER_STATUS_ACTIVE"}`, i)),
			After:    []byte(fmt.Sprintf(`{"id":"p-%d","status":"PARTNER_STATUS_SUSPENDED"}`, i)),
		}
		if i == 0 {
			e.Before, e.After = nil, nil
		}
		out = append(out, e)
	}
	return out
}

// appendAudit appends evs in one transaction and sets their ids.
func appendAudit(t *testing.T, s store.Store, evs []domain.AuditEvent) {
	t.Helper()
	write(t, s, func(tx store.ReadWriter) error {
		for i := range evs {
			id, err := tx.AppendAudit(ctxT(t), evs[i])
			if err != nil {
				return err
			}
			if i > 0 && id <= evs[i-1].ID {
				t.Errorf("AppendAudit id %d after %d: ids must increase", id, evs[i-1].ID)
			}
			evs[i].ID = id
		}
		return nil
	})
}

// pageAudit reads every page of f with pages of limit.
func pageAudit(t *testing.T, s store.Store, f store.AuditFilter, limit int) []domain.AuditEvent {
	t.Helper()
	var all []domain.AuditEvent
	page := store.Page{Limit: limit}
	read(t, s, func(tx store.Reader) error {
		for range 100 {
			got, err := tx.ListAuditEvents(ctxT(t), f, page)
			noErr(t, "ListAuditEvents", err)
			all = append(all, got...)
			if len(got) < limit {
				return nil
			}
			page.After = strconv.FormatInt(got[len(got)-1].ID, 10)
		}
		t.Fatal("ListAuditEvents: paging does not end")
		return nil
	})
	return all
}

// newestFirst returns the events of evs matching keep, newest first.
func newestFirst(evs []domain.AuditEvent, keep func(domain.AuditEvent) bool) []domain.AuditEvent {
	var out []domain.AuditEvent
	for i := len(evs) - 1; i >= 0; i-- {
		if keep(evs[i]) {
			out = append(out, evs[i])
		}
	}
	return out
}

func testAuditEvents(t *testing.T, f Factory) {
	s := f.Open(t)
	evs := auditFixture()
	appendAudit(t, s, evs)

	all := func(domain.AuditEvent) bool { return true }
	wantEqual(t, "all, one page", pageAudit(t, s, store.AuditFilter{}, 50), newestFirst(evs, all))
	wantEqual(t, "all, pages of 3", pageAudit(t, s, store.AuditFilter{}, 3), newestFirst(evs, all))

	byActor := store.AuditFilter{Actor: "operator:ann"}
	wantEqual(t, "actor", pageAudit(t, s, byActor, 2),
		newestFirst(evs, func(e domain.AuditEvent) bool { return e.Actor == "operator:ann" }))
	byKind := store.AuditFilter{Kind: domain.AuditPartnerUpdated}
	wantEqual(t, "kind", pageAudit(t, s, byKind, 2),
		newestFirst(evs, func(e domain.AuditEvent) bool { return e.Kind == domain.AuditPartnerUpdated }))
	// [Start, End): the event at End is excluded, the one at Start included.
	window := store.AuditFilter{Start: at(2 * time.Second), End: at(6 * time.Second)}
	wantEqual(t, "time range", pageAudit(t, s, window, 3),
		newestFirst(evs, func(e domain.AuditEvent) bool {
			return e.Time.Compare(at(2*time.Second)) >= 0 && e.Time.Before(at(6*time.Second))
		}))
	combined := store.AuditFilter{Actor: "admin:k1", Kind: domain.AuditPartnerCreated, Start: at(time.Second)}
	wantEqual(t, "actor, kind and start", pageAudit(t, s, combined, 50),
		newestFirst(evs, func(e domain.AuditEvent) bool {
			return e.Actor == "admin:k1" && e.Kind == domain.AuditPartnerCreated && !e.Time.Before(at(time.Second))
		}))
	if got := pageAudit(t, s, store.AuditFilter{Actor: "nobody"}, 50); len(got) != 0 {
		t.Errorf("unknown actor: %d events, want none", len(got))
	}

	// A failed transaction appends nothing.
	err := s.ReadWriteTx(ctxT(t), func(tx store.ReadWriter) error {
		if _, err := tx.AppendAudit(ctxT(t), evs[1]); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "failed tx", err, errBoom)
	if got := pageAudit(t, s, store.AuditFilter{}, 50); len(got) != len(evs) {
		t.Errorf("after a failed tx: %d events, want %d", len(got), len(evs))
	}
}

func testAuditOutlivesEventRetention(t *testing.T, f Factory) {
	s := f.Open(t)
	evs := auditFixture()
	appendAudit(t, s, evs)
	write(t, s, func(tx store.ReadWriter) error {
		for i := range 3 {
			if _, err := tx.AppendEvent(ctxT(t), domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: at(time.Duration(i) * time.Second)}); err != nil {
				return err
			}
		}
		_, err := tx.DeleteEventsBefore(ctxT(t), at(time.Hour))
		return err
	})
	wantEqual(t, "audit after pruning the event log", pageAudit(t, s, store.AuditFilter{}, 50),
		newestFirst(evs, func(domain.AuditEvent) bool { return true }))
}
