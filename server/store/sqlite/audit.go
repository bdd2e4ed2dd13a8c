package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// AppendAudit implements store.Writer.
func (v *txView) AppendAudit(_ context.Context, e domain.AuditEvent) (int64, error) {
	res, err := v.exec(`INSERT INTO audit_events(time, actor, kind, resource, before, after) VALUES (?, ?, ?, ?, ?, ?)`,
		nanos(e.Time), e.Actor, e.Kind, e.Resource, nullText(e.Before), nullText(e.After))
	if err != nil {
		return 0, fmt.Errorf("append audit event: %w", err)
	}
	return res.LastInsertId()
}

// ListAuditEvents implements store.Reader.
func (v *txView) ListAuditEvents(_ context.Context, f store.AuditFilter, p store.Page) ([]domain.AuditEvent, error) {
	var where []string
	var args []any
	if p.After != "" {
		after, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("audit cursor %q: %w", p.After, err)
		}
		where, args = append(where, "id < ?"), append(args, after)
	}
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if !f.Start.IsZero() {
		where, args = append(where, "time >= ?"), append(args, nanos(f.Start))
	}
	if !f.End.IsZero() {
		where, args = append(where, "time < ?"), append(args, nanos(f.End))
	}
	q := `SELECT id, time, actor, kind, resource, before, after FROM audit_events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := v.query(q+` ORDER BY id DESC LIMIT ?`, append(args, p.Size())...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.AuditEvent
	for rows.Next() {
		var e domain.AuditEvent
		var at int64
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Kind, &e.Resource, &before, &after); err != nil {
			return nil, mapErr(err)
		}
		e.Time = fromNanos(at)
		if before.Valid {
			e.Before = []byte(before.String)
		}
		if after.Valid {
			e.After = []byte(after.String)
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// nullText stores optional JSON: NULL when absent.
func nullText(b []byte) sql.NullString {
	return sql.NullString{String: string(b), Valid: b != nil}
}
