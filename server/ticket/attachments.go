package ticket

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// Storage sizes of attachment content. An upload holds at most
// StageChunks*ChunkBytes of content in memory; a download one chunk.
const (
	// ChunkBytes is the size of a stored chunk (the last one of a file
	// may be shorter) and of a download message's content.
	ChunkBytes = 256 << 10
	// StageChunks is how many chunks an upload stages per write
	// transaction: fewer, larger commits, each holding the single writer
	// for a few milliseconds only.
	StageChunks = 4
)

// StagedUploadRetention is how long a staged upload may stay idle (no
// chunk staged) before the janitor discards it: the content of uploads
// cut off by a crash.
const StagedUploadRetention = time.Hour

// AttachmentLimits bound attachments (limits.attachment_bytes and
// limits.attachments_per_ticket).
type AttachmentLimits struct {
	MaxBytes  int64
	PerTicket int
}

// Attachments attaches files to tickets, lists them and reads them back,
// within the caller's scope. Content is streamed in and out in chunks,
// never held whole in memory.
type Attachments struct {
	s      *Service
	limits AttachmentLimits
}

// NewAttachments returns the attachment service over the ticket service s.
func NewAttachments(s *Service, l AttachmentLimits) *Attachments {
	return &Attachments{s: s, limits: l}
}

// Upload attaches one file to a ticket that is not closed. It validates
// req, checks the caller may attach to the ticket, then reads the content
// from next (nil error with each piece, io.EOF at its end), staging it in
// chunks, and commits the attachment, the ticket's count and the
// ATTACHMENT_ADDED event together. The same caller's retry of a committed
// request id returns the attachment stored then, without calling next. On
// any failure (next's error included) nothing of the upload remains.
func (a *Attachments) Upload(ctx context.Context, c Caller, req UploadRequest, next func() ([]byte, error)) (domain.Attachment, error) {
	req, err := req.validate()
	if err != nil {
		return domain.Attachment{}, err
	}
	r := store.AttachmentRequest{Owner: c.Actor, RequestID: req.RequestID, RequestHash: uploadHash(req)}
	prior, err := a.precheck(ctx, c, req, r)
	if err != nil || prior.ID != "" {
		return prior, err
	}
	id, err := newID()
	if err != nil {
		return domain.Attachment{}, err
	}
	u := &upload{a: a, id: id, buf: make([]byte, 0, StageChunks*ChunkBytes), sum: sha256.New()}
	att, err := u.run(ctx, c, req, r, next)
	if err != nil {
		// The client may be gone (ctx cancelled): discard anyway.
		u.discard(context.WithoutCancel(ctx))
		var dup *duplicateError
		if errors.As(err, &dup) {
			return dup.prior, nil
		}
		return domain.Attachment{}, err
	}
	return att, nil
}

// uploadHash fingerprints what a request id stands for: a retry names the
// same ticket, file name and content type.
func uploadHash(req UploadRequest) []byte {
	sum := sha256.Sum256([]byte(req.TicketID + "\x00" + req.Filename + "\x00" + req.ContentType))
	return sum[:]
}

// precheck refuses an upload that cannot succeed before any content is
// read, and returns the prior attachment of a retried request id. The
// commit checks again: this snapshot may be stale by then.
func (a *Attachments) precheck(ctx context.Context, c Caller, req UploadRequest, r store.AttachmentRequest) (domain.Attachment, error) {
	var prior domain.Attachment
	err := a.s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		if prior, err = priorAttachment(ctx, tx, r); err != nil || prior.ID != "" {
			return err
		}
		t, err := visibleTicket(ctx, tx, c, req.TicketID)
		if err != nil {
			return err
		}
		return a.canAttach(&t)
	})
	return prior, err
}

// priorAttachment returns the attachment committed earlier with r's
// request id (zero if none), or an error if it was another request.
func priorAttachment(ctx context.Context, tx store.Reader, r store.AttachmentRequest) (domain.Attachment, error) {
	att, hash, err := tx.GetAttachmentByRequest(ctx, r.Owner, r.RequestID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return domain.Attachment{}, nil
	case err != nil:
		return domain.Attachment{}, err
	case !bytes.Equal(hash, r.RequestHash):
		return domain.Attachment{}, &domain.RequestIDReusedError{RequestID: r.RequestID}
	}
	return att, nil
}

// canAttach refuses a closed ticket and a ticket with all the attachments
// it may hold.
func (a *Attachments) canAttach(t *domain.Ticket) error {
	if err := requireNotClosed(t, "attach a file"); err != nil {
		return err
	}
	if t.AttachmentCount >= a.limits.PerTicket {
		return &domain.QuotaError{Reason: "ATTACHMENTS_PER_TICKET", Subject: "tickets/" + t.ID,
			Description: fmt.Sprintf("ticket %s already has %d attachments, the most it may hold (limits.attachments_per_ticket)", t.ID, t.AttachmentCount)}
	}
	return nil
}

// duplicateError ends an upload whose request id another upload of the
// same request committed meanwhile: the caller gets that attachment.
type duplicateError struct{ prior domain.Attachment }

func (e *duplicateError) Error() string { return "request id committed meanwhile by " + e.prior.ID }

// upload is the state of one upload: the chunks staged so far, the
// content not yet staged, the running hash and size.
type upload struct {
	a      *Attachments
	id     string
	buf    []byte
	chunks int // chunks staged
	size   int64
	sum    hash.Hash
	head   []byte // the first SniffBytes of the content
	staged bool   // some chunk was staged: discard on failure
}

func (u *upload) run(ctx context.Context, c Caller, req UploadRequest, r store.AttachmentRequest, next func() ([]byte, error)) (domain.Attachment, error) {
	for {
		p, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return domain.Attachment{}, err
		}
		if err := u.write(ctx, p); err != nil {
			return domain.Attachment{}, err
		}
	}
	if err := u.flush(ctx); err != nil {
		return domain.Attachment{}, err
	}
	att := domain.Attachment{ID: u.id, TicketID: req.TicketID, Filename: req.Filename, ContentType: req.ContentType,
		SizeBytes: u.size, SHA256: hex.EncodeToString(u.sum.Sum(nil)), Author: c.Actor}
	if att.ContentType == "" {
		att.ContentType = SniffContentType(u.head)
	}
	return u.commit(ctx, c, att, r)
}

// write takes the next piece of content, staging full chunks.
func (u *upload) write(ctx context.Context, p []byte) error {
	u.size += int64(len(p))
	if u.size > u.a.limits.MaxBytes {
		return domain.Invalid(domain.FieldViolation{Field: "chunk", Description: fmt.Sprintf(
			"the file is larger than %d bytes, the most an attachment may hold (limits.attachment_bytes)", u.a.limits.MaxBytes)})
	}
	u.sum.Write(p)
	if len(u.head) < SniffBytes {
		u.head = append(u.head, p[:min(len(p), SniffBytes-len(u.head))]...)
	}
	for len(p) > 0 {
		n := min(len(p), cap(u.buf)-len(u.buf))
		u.buf, p = append(u.buf, p[:n]...), p[n:]
		if len(u.buf) == cap(u.buf) {
			if err := u.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush stages the buffered content as chunks, in one write transaction.
func (u *upload) flush(ctx context.Context) error {
	if len(u.buf) == 0 {
		return nil
	}
	now := u.a.s.now().UTC()
	u.staged = true // a failed transaction may still have been begun: discard
	err := u.a.s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		for i, off := 0, 0; off < len(u.buf); i, off = i+1, off+ChunkBytes {
			if err := tx.StageAttachmentChunk(ctx, u.id, u.chunks+i, u.buf[off:min(off+ChunkBytes, len(u.buf))], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return u.expired(err)
	}
	u.chunks += (len(u.buf) + ChunkBytes - 1) / ChunkBytes
	u.buf = u.buf[:0]
	return nil
}

// expired explains a staged upload the janitor discarded.
func (u *upload) expired(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &domain.PreconditionError{Reason: "UPLOAD_EXPIRED", Subject: "uploads/" + u.id, Message: fmt.Sprintf(
			"the upload was idle for more than %s and its content was discarded: upload the file again", StagedUploadRetention)}
	}
	return err
}

// commit creates the attachment through the ticket's mutation path.
func (u *upload) commit(ctx context.Context, c Caller, att domain.Attachment, r store.AttachmentRequest) (domain.Attachment, error) {
	_, err := u.a.s.mutateTx(ctx, c, att.TicketID, 0, func(tx store.ReadWriter, t *domain.Ticket, now time.Time) ([]change, error) {
		// A concurrent upload of the same request may have won the race.
		prior, err := priorAttachment(ctx, tx, r)
		if err != nil {
			return nil, err
		}
		if prior.ID != "" {
			return nil, &duplicateError{prior: prior}
		}
		if err := u.a.canAttach(t); err != nil {
			return nil, err
		}
		att.CreateTime = now
		if err := tx.CreateAttachment(ctx, att, u.chunks, r); err != nil {
			return nil, u.expired(err)
		}
		t.AttachmentCount++
		return []change{{typ: domain.EventAttachmentAdded, attachment: &att,
			detail: fmt.Sprintf("attachment added: %s (%d bytes)", att.Filename, att.SizeBytes)}}, nil
	})
	if err != nil {
		return domain.Attachment{}, err
	}
	u.staged = false // the chunks are the attachment's now
	return att, nil
}

// discard deletes what the upload staged, if anything.
func (u *upload) discard(ctx context.Context) {
	if !u.staged {
		return
	}
	_ = u.a.s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.DiscardStagedUpload(ctx, u.id)
	}) // on failure the janitor discards it later
}

// Get returns an attachment's metadata. The ticket must be visible to the
// caller and hold the attachment: otherwise it is not found.
func (a *Attachments) Get(ctx context.Context, c Caller, ticketID, attachmentID string) (domain.Attachment, error) {
	if err := validate.AttachmentIDs(ticketID, attachmentID); err != nil {
		return domain.Attachment{}, err
	}
	var att domain.Attachment
	err := a.s.st.ReadTx(ctx, func(tx store.Reader) error {
		if _, err := visibleTicket(ctx, tx, c, ticketID); err != nil {
			return err
		}
		var err error
		att, err = tx.GetAttachment(ctx, attachmentID)
		if err != nil || att.TicketID != ticketID {
			return notFound(coalesce(err, store.ErrNotFound), "attachment", attachmentID)
		}
		return nil
	})
	return att, err
}

func coalesce(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// Content calls send with the attachment's content in chunks, in order,
// reading each chunk in a read transaction of its own (a slow client
// holds no transaction open).
func (a *Attachments) Content(ctx context.Context, att domain.Attachment, send func([]byte) error) error {
	var sent int64
	for n := 0; ; n++ {
		var chunk []byte
		err := a.s.st.ReadTx(ctx, func(tx store.Reader) error {
			var err error
			chunk, err = tx.GetAttachmentChunk(ctx, att.ID, n)
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		if err := send(chunk); err != nil {
			return err
		}
		sent += int64(len(chunk))
	}
	if sent != att.SizeBytes {
		return fmt.Errorf("attachment %s: stored content is %d bytes, want %d", att.ID, sent, att.SizeBytes)
	}
	return nil
}

// List lists a ticket's attachments oldest first; next is the cursor of
// the following page ("" after the last).
func (a *Attachments) List(ctx context.Context, c Caller, ticketID string, p store.Page) (atts []domain.Attachment, next string, err error) {
	if err := validate.TicketID(ticketID); err != nil {
		return nil, "", err
	}
	err = a.s.st.ReadTx(ctx, func(tx store.Reader) error {
		if _, err := visibleTicket(ctx, tx, c, ticketID); err != nil {
			return err
		}
		atts, next, err = tx.ListAttachments(ctx, ticketID, p)
		return err
	})
	return atts, next, err
}

// sweepUploadsBatch is the most staged uploads one write transaction of
// the sweep discards: few, since an upload may hold many chunks and the
// transaction holds the (SQLite) writer.
const sweepUploadsBatch = 8

// SweepStagedUploads discards the staged uploads idle for longer than
// StagedUploadRetention (left by a crash mid-upload), a batch per write
// transaction, and returns how many it discarded. Each batch claims its
// uploads (ListStagedUploads in a write transaction skips those another
// sweep holds): replicas sweeping together share the uploads out, and
// each is discarded, and counted, once.
func (a *Attachments) SweepStagedUploads(ctx context.Context) (int, error) {
	before := a.s.now().Add(-StagedUploadRetention)
	total := 0
	for {
		var n int
		err := a.s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			ids, err := tx.ListStagedUploads(ctx, before, sweepUploadsBatch)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := tx.DiscardStagedUpload(ctx, id); err != nil {
					return err
				}
			}
			n = len(ids)
			return nil
		})
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}
