package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

const attachmentColumns = `id, ticket_id, filename, content_type, size_bytes, sha256, author, create_time`

func scanAttachment(r pgx.Row, extra ...any) (domain.Attachment, error) {
	var a domain.Attachment
	var created int64
	dest := append([]any{&a.ID, &a.TicketID, &a.Filename, &a.ContentType, &a.SizeBytes, &a.SHA256, &a.Author, &created}, extra...)
	if err := r.Scan(dest...); err != nil {
		return a, mapErr(err)
	}
	a.CreateTime = fromNanos(created)
	return a, nil
}

// GetAttachment implements store.Reader.
func (v *txView) GetAttachment(_ context.Context, id string) (domain.Attachment, error) {
	a, err := scanAttachment(v.row(`SELECT `+attachmentColumns+` FROM attachments WHERE id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("attachment %q: %w", id, err)
	}
	return a, nil
}

// ListAttachments implements store.Reader. The cursor is the number (n)
// of the last attachment returned.
func (v *txView) ListAttachments(_ context.Context, ticketID string, p store.Page) ([]domain.Attachment, string, error) {
	var after int64
	if p.After != "" {
		var err error
		if after, err = strconv.ParseInt(p.After, 10, 64); err != nil {
			return nil, "", fmt.Errorf("attachment cursor %q: %w", p.After, err)
		}
	}
	limit := p.Size()
	// One more than asked tells whether another page follows.
	rows, err := v.query(`SELECT `+attachmentColumns+`, n FROM attachments WHERE ticket_id = $1 AND n > $2
		ORDER BY n LIMIT $3`, ticketID, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []domain.Attachment
	var last, n int64
	for rows.Next() {
		a, err := scanAttachment(rows, &n)
		if err != nil {
			return nil, "", err
		}
		if len(out) == limit {
			return out, strconv.FormatInt(last, 10), nil
		}
		out, last = append(out, a), n
	}
	return out, "", mapErr(rows.Err())
}

// GetAttachmentByRequest implements store.Reader.
func (v *txView) GetAttachmentByRequest(_ context.Context, owner, requestID string) (domain.Attachment, []byte, error) {
	var hash []byte
	a, err := scanAttachment(v.row(`SELECT `+attachmentColumns+`, request_hash FROM attachments
		WHERE owner = $1 AND request_id = $2`, owner, requestID), &hash)
	if err != nil {
		return a, nil, fmt.Errorf("attachment request %q: %w", requestID, err)
	}
	return a, hash, nil
}

// GetAttachmentChunk implements store.Reader.
func (v *txView) GetAttachmentChunk(_ context.Context, attachmentID string, n int) ([]byte, error) {
	var data []byte
	if err := v.row(`SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND n = $2`, attachmentID, n).Scan(&data); err != nil {
		return nil, fmt.Errorf("attachment %q chunk %d: %w", attachmentID, n, mapErr(err))
	}
	return data, nil
}

// ListStagedUploads implements store.Reader; in a write transaction it
// claims the uploads as ListDueTickets claims tickets.
func (v *txView) ListStagedUploads(_ context.Context, before time.Time, limit int) ([]string, error) {
	rows, err := v.query(`SELECT id FROM attachment_uploads WHERE touch_time < $1 ORDER BY touch_time, id LIMIT $2`+v.claim(),
		before.UnixNano(), store.LimitOr(limit, 100))
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, mapErr(err)
}

// StageAttachmentChunk implements store.Writer.
func (v *txView) StageAttachmentChunk(_ context.Context, uploadID string, n int, data []byte, at time.Time) error {
	if n == 0 {
		if _, err := v.exec(`INSERT INTO attachment_uploads(id, touch_time) VALUES ($1, $2)`, uploadID, at.UnixNano()); err != nil {
			return fmt.Errorf("upload %q: %w", uploadID, err)
		}
	} else {
		tag, err := v.exec(`UPDATE attachment_uploads SET touch_time = $1 WHERE id = $2`, at.UnixNano(), uploadID)
		if err != nil {
			return fmt.Errorf("upload %q: %w", uploadID, err)
		}
		if err := checkAffected(tag, store.ErrNotFound); err != nil {
			return fmt.Errorf("upload %q is no longer staged: %w", uploadID, err)
		}
	}
	if data == nil {
		data = []byte{} // NOT NULL: an empty chunk is an empty bytea
	}
	if _, err := v.exec(`INSERT INTO attachment_chunks(attachment_id, n, data) VALUES ($1, $2, $3)`, uploadID, n, data); err != nil {
		return fmt.Errorf("upload %q chunk %d: %w", uploadID, n, err)
	}
	return nil
}

// CreateAttachment implements store.Writer. The ticket's row is locked
// first, so that concurrent attachments of one ticket on several replicas
// take their numbers one after the other instead of colliding on
// (ticket_id, n).
func (v *txView) CreateAttachment(_ context.Context, a domain.Attachment, chunks int, r store.AttachmentRequest) error {
	if err := v.adoptChunks(a, chunks); err != nil {
		return err
	}
	var one int
	if err := v.row(`SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE`, a.TicketID).Scan(&one); err != nil {
		return fmt.Errorf("attachment %q: ticket %q: %w", a.ID, a.TicketID, mapErr(err))
	}
	_, err := v.exec(`INSERT INTO attachments(`+attachmentColumns+`, n, owner, request_id, request_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT COALESCE(MAX(n), 0) + 1 FROM attachments WHERE ticket_id = $2), $9, $10, $11)`,
		a.ID, a.TicketID, a.Filename, a.ContentType, a.SizeBytes, a.SHA256, a.Author, nanos(a.CreateTime),
		r.Owner, r.RequestID, r.RequestHash)
	if err != nil {
		return fmt.Errorf("attachment %q: %w", a.ID, err)
	}
	return nil
}

// adoptChunks ends the staging of upload a.ID after checking its chunks
// are the content a describes.
func (v *txView) adoptChunks(a domain.Attachment, chunks int) error {
	if chunks == 0 {
		if a.SizeBytes != 0 {
			return fmt.Errorf("attachment %q: %d bytes in no chunk", a.ID, a.SizeBytes)
		}
		return nil
	}
	tag, err := v.exec(`DELETE FROM attachment_uploads WHERE id = $1`, a.ID)
	if err != nil {
		return fmt.Errorf("upload %q: %w", a.ID, err)
	}
	if err := checkAffected(tag, store.ErrNotFound); err != nil {
		return fmt.Errorf("upload %q is no longer staged: %w", a.ID, err)
	}
	var count int
	var total int64
	if err := v.row(`SELECT COUNT(*), COALESCE(SUM(octet_length(data)), 0) FROM attachment_chunks WHERE attachment_id = $1`,
		a.ID).Scan(&count, &total); err != nil {
		return fmt.Errorf("upload %q: %w", a.ID, mapErr(err))
	}
	if count != chunks || total != a.SizeBytes {
		return fmt.Errorf("upload %q: staged %d chunks of %d bytes, want %d chunks of %d bytes", a.ID, count, total, chunks, a.SizeBytes)
	}
	return nil
}

// DiscardStagedUpload implements store.Writer.
func (v *txView) DiscardStagedUpload(_ context.Context, uploadID string) error {
	tag, err := v.exec(`DELETE FROM attachment_uploads WHERE id = $1`, uploadID)
	if err != nil {
		return fmt.Errorf("upload %q: %w", uploadID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil // not staged: committed content stays
	}
	if _, err := v.exec(`DELETE FROM attachment_chunks WHERE attachment_id = $1`, uploadID); err != nil {
		return fmt.Errorf("upload %q: %w", uploadID, err)
	}
	return nil
}
