package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// AppendAudit implements store.Writer.
func (v *txView) AppendAudit(_ context.Context, e domain.AuditEvent) (int64, error) {
	var id int64
	err := v.execReturning(`INSERT INTO audit_events(time, actor, kind, resource, before, after) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		[]any{nanos(e.Time), e.Actor, e.Kind, e.Resource, nullText(e.Before), nullText(e.After)}, &id)
	if err != nil {
		return 0, fmt.Errorf("append audit event: %w", err)
	}
	return id, nil
}

// ListAuditEvents implements store.Reader.
func (v *txView) ListAuditEvents(_ context.Context, f store.AuditFilter, p store.Page) ([]domain.AuditEvent, error) {
	var a args
	var where []string
	if p.After != "" {
		after, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("audit cursor %q: %w", p.After, err)
		}
		where = append(where, "id < "+a.add(after))
	}
	if f.Actor != "" {
		where = append(where, "actor = "+a.add(f.Actor))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+a.add(f.Kind))
	}
	if !f.Start.IsZero() {
		where = append(where, "time >= "+a.add(nanos(f.Start)))
	}
	if !f.End.IsZero() {
		where = append(where, "time < "+a.add(nanos(f.End)))
	}
	q := `SELECT id, time, actor, kind, resource, before, after FROM audit_events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := v.query(q+` ORDER BY id DESC LIMIT `+a.add(p.Size()), a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.AuditEvent
	for rows.Next() {
		var e domain.AuditEvent
		var when int64
		var before, after *string
		if err := rows.Scan(&e.ID, &when, &e.Actor, &e.Kind, &e.Resource, &before, &after); err != nil {
			return nil, mapErr(err)
		}
		e.Time = fromNanos(when)
		if before != nil {
			e.Before = []byte(*before)
		}
		if after != nil {
			e.After = []byte(*after)
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// nullText stores optional JSON: NULL when absent.
func nullText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}
