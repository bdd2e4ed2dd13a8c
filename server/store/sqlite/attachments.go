package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

const attachmentColumns = `id, ticket_id, filename, content_type, size_bytes, sha256, author, create_time`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanAttachment(r scanner, extra ...any) (domain.Attachment, error) {
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
	a, err := scanAttachment(v.row(`SELECT `+attachmentColumns+` FROM attachments WHERE id = ?`, id))
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
	rows, err := v.query(`SELECT `+attachmentColumns+`, n FROM attachments WHERE ticket_id = ? AND n > ?
		ORDER BY n LIMIT ?`, ticketID, after, limit+1)
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
		WHERE owner = ? AND request_id = ?`, owner, requestID), &hash)
	if err != nil {
		return a, nil, fmt.Errorf("attachment request %q: %w", requestID, err)
	}
	return a, hash, nil
}

// GetAttachmentChunk implements store.Reader.
func (v *txView) GetAttachmentChunk(_ context.Context, attachmentID string, n int) ([]byte, error) {
	var data []byte
	if err := v.row(`SELECT data FROM attachment_chunks WHERE attachment_id = ? AND n = ?`, attachmentID, n).Scan(&data); err != nil {
		return nil, fmt.Errorf("attachment %q chunk %d: %w", attachmentID, n, mapErr(err))
	}
	return data, nil
}

// ListStagedUploads implements store.Reader.
func (v *txView) ListStagedUploads(_ context.Context, before time.Time, limit int) ([]string, error) {
	rows, err := v.query(`SELECT id FROM attachment_uploads WHERE touch_time < ? ORDER BY touch_time, id LIMIT ?`,
		before.UnixNano(), store.LimitOr(limit, 100))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, id)
	}
	return out, mapErr(rows.Err())
}

// StageAttachmentChunk implements store.Writer.
func (v *txView) StageAttachmentChunk(_ context.Context, uploadID string, n int, data []byte, at time.Time) error {
	if n == 0 {
		if _, err := v.exec(`INSERT INTO attachment_uploads(id, touch_time) VALUES (?, ?)`, uploadID, at.UnixNano()); err != nil {
			return fmt.Errorf("upload %q: %w", uploadID, err)
		}
	} else {
		res, err := v.exec(`UPDATE attachment_uploads SET touch_time = ? WHERE id = ?`, at.UnixNano(), uploadID)
		if err != nil {
			return fmt.Errorf("upload %q: %w", uploadID, err)
		}
		if err := checkAffected(res, store.ErrNotFound); err != nil {
			return fmt.Errorf("upload %q is no longer staged: %w", uploadID, err)
		}
	}
	if data == nil {
		data = []byte{} // BLOB NOT NULL: an empty chunk is an empty blob
	}
	if _, err := v.exec(`INSERT INTO attachment_chunks(attachment_id, n, data) VALUES (?, ?, ?)`, uploadID, n, data); err != nil {
		return fmt.Errorf("upload %q chunk %d: %w", uploadID, n, err)
	}
	return nil
}

// CreateAttachment implements store.Writer.
func (v *txView) CreateAttachment(_ context.Context, a domain.Attachment, chunks int, r store.AttachmentRequest) error {
	if err := v.adoptChunks(a, chunks); err != nil {
		return err
	}
	_, err := v.exec(`INSERT INTO attachments(`+attachmentColumns+`, n, owner, request_id, request_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(n), 0) + 1 FROM attachments WHERE ticket_id = ?), ?, ?, ?)`,
		a.ID, a.TicketID, a.Filename, a.ContentType, a.SizeBytes, a.SHA256, a.Author, nanos(a.CreateTime),
		a.TicketID, r.Owner, r.RequestID, r.RequestHash)
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
	res, err := v.exec(`DELETE FROM attachment_uploads WHERE id = ?`, a.ID)
	if err != nil {
		return fmt.Errorf("upload %q: %w", a.ID, err)
	}
	if err := checkAffected(res, store.ErrNotFound); err != nil {
		return fmt.Errorf("upload %q is no longer staged: %w", a.ID, err)
	}
	var count int
	var total int64
	// length() of a BLOB reads its size, not its content.
	if err := v.row(`SELECT COUNT(*), COALESCE(SUM(length(data)), 0) FROM attachment_chunks WHERE attachment_id = ?`,
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
	res, err := v.exec(`DELETE FROM attachment_uploads WHERE id = ?`, uploadID)
	if err != nil {
		return fmt.Errorf("upload %q: %w", uploadID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // not staged: committed content stays
	}
	if _, err := v.exec(`DELETE FROM attachment_chunks WHERE attachment_id = ?`, uploadID); err != nil {
		return fmt.Errorf("upload %q: %w", uploadID, err)
	}
	return nil
}
