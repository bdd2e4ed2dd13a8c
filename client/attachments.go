package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// UploadChunkBytes is how much content each upload message carries (the
// server accepts messages of up to 1 MiB).
const UploadChunkBytes = 256 << 10

// UploadOption refines an upload.
type UploadOption func(*uploadOptions)

type uploadOptions struct {
	requestID string
	progress  func(sent int64)
}

// WithUploadRequestID sets the upload's request id (a UUID) instead of a
// fresh one: an upload repeated with it, even by another process, returns
// the attachment stored the first time.
func WithUploadRequestID(id string) UploadOption {
	return func(o *uploadOptions) { o.requestID = id }
}

// OnUploadProgress calls f with the bytes of content sent so far, after
// each message (from 0 again when a retry starts over).
func OnUploadProgress(f func(sent int64)) UploadOption {
	return func(o *uploadOptions) { o.progress = f }
}

// uploadStream is one upload call, partner or agent side.
type uploadStream interface {
	metadata(*supportv1.UploadAttachmentMetadata) error
	chunk([]byte) error
	finish() (*supportv1.Attachment, error)
}

// UploadAttachment attaches the content of r to a ticket that is not
// closed, streaming it in chunks (never holding it whole). contentType
// may be empty: the server then detects it. A request id is generated
// once per call and reused by its retries, so the file is never attached
// twice. The call is retried after UNAVAILABLE only when r is an
// io.Seeker (it is rewound to where it was); a plain reader cannot be
// read again, so its upload is not retried.
func (c *Client) UploadAttachment(ctx context.Context, ticketID, filename, contentType string, r io.Reader, opts ...UploadOption) (*supportv1.Attachment, error) {
	return c.upload(ctx, func(ctx context.Context) (uploadStream, error) {
		s, err := c.svc.UploadAttachment(ctx)
		return partnerUpload{s}, err
	}, ticketID, filename, contentType, r, opts)
}

// UploadAgentAttachment attaches a file from support to any ticket, as
// Client.UploadAttachment.
func (a *Agent) UploadAgentAttachment(ctx context.Context, ticketID, filename, contentType string, r io.Reader, opts ...UploadOption) (*supportv1.Attachment, error) {
	return a.upload(ctx, func(ctx context.Context) (uploadStream, error) {
		s, err := a.svc.UploadAgentAttachment(ctx)
		return agentUpload{s}, err
	}, ticketID, filename, contentType, r, opts)
}

func (c *conn) upload(ctx context.Context, open func(context.Context) (uploadStream, error), ticketID, filename, contentType string,
	r io.Reader, opts []UploadOption) (*supportv1.Attachment, error) {
	o := uploadOptions{requestID: uuid.NewString()}
	for _, f := range opts {
		f(&o)
	}
	meta := &supportv1.UploadAttachmentMetadata{TicketId: ticketID, Filename: filename, ContentType: contentType, RequestId: o.requestID}
	seeker, _ := r.(io.Seeker)
	var start int64
	if seeker != nil {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			seeker = nil // not really seekable (a pipe): no retry
		}
	}
	buf := make([]byte, UploadChunkBytes)
	for attempt := 1; ; attempt++ {
		att, err := uploadOnce(ctx, open, meta, r, buf, o.progress)
		if err == nil || Code(err) != codes.Unavailable || seeker == nil || attempt >= int(c.opts.maxAttempts) {
			return att, err
		}
		if _, serr := seeker.Seek(start, io.SeekStart); serr != nil {
			return nil, err
		}
		if werr := sleep(ctx, backoff(c.opts.retryBackoff, c.opts.maxBackoff, attempt)); werr != nil {
			return nil, err
		}
	}
}

// uploadOnce runs one upload call. A send that fails ends the sending:
// the call's outcome (the server may have answered early, for a retried
// request id or a refusal) comes from finish.
func uploadOnce(ctx context.Context, open func(context.Context) (uploadStream, error), meta *supportv1.UploadAttachmentMetadata,
	r io.Reader, buf []byte, progress func(int64)) (*supportv1.Attachment, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // a local failure cuts the call off: the server keeps nothing
	s, err := open(ctx)
	if err != nil {
		return nil, FromError(err)
	}
	if err := s.metadata(meta); err != nil {
		att, ferr := s.finish()
		return att, FromError(ferr)
	}
	var sent int64
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			if err := s.chunk(buf[:n]); err != nil {
				att, ferr := s.finish()
				return att, FromError(ferr)
			}
			sent += int64(n)
			if progress != nil {
				progress(sent)
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("client: reading the file to upload: %w", rerr)
		}
	}
	att, err := s.finish()
	return att, FromError(err)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type partnerUpload struct {
	s supportv1.SupportService_UploadAttachmentClient
}

func (p partnerUpload) metadata(m *supportv1.UploadAttachmentMetadata) error {
	return p.s.Send(&supportv1.UploadAttachmentRequest{Payload: &supportv1.UploadAttachmentRequest_Metadata{Metadata: m}})
}

func (p partnerUpload) chunk(b []byte) error {
	return p.s.Send(&supportv1.UploadAttachmentRequest{Payload: &supportv1.UploadAttachmentRequest_Chunk{Chunk: b}})
}

func (p partnerUpload) finish() (*supportv1.Attachment, error) {
	resp, err := p.s.CloseAndRecv()
	return resp.GetAttachment(), err
}

type agentUpload struct {
	s supportv1.AgentService_UploadAgentAttachmentClient
}

func (a agentUpload) metadata(m *supportv1.UploadAttachmentMetadata) error {
	return a.s.Send(&supportv1.UploadAgentAttachmentRequest{Payload: &supportv1.UploadAgentAttachmentRequest_Metadata{Metadata: m}})
}

func (a agentUpload) chunk(b []byte) error {
	return a.s.Send(&supportv1.UploadAgentAttachmentRequest{Payload: &supportv1.UploadAgentAttachmentRequest_Chunk{Chunk: b}})
}

func (a agentUpload) finish() (*supportv1.Attachment, error) {
	resp, err := a.s.CloseAndRecv()
	return resp.GetAttachment(), err
}

// DownloadOption refines a download.
type DownloadOption func(*downloadOptions)

type downloadOptions struct {
	before func(*supportv1.Attachment) error
}

// BeforeContent calls f with the attachment's metadata before any content
// is written (to choose where to write it, for example); an error from f
// ends the download with that error.
func BeforeContent(f func(*supportv1.Attachment) error) DownloadOption {
	return func(o *downloadOptions) { o.before = f }
}

// ErrContentMismatch is returned when downloaded content does not have the
// size and SHA-256 its metadata states.
var ErrContentMismatch = errors.New("client: the downloaded content does not match its size and sha256")

// downloadStream is one download call, partner or agent side: recv
// returns the metadata (first) or a chunk.
type downloadStream func() (*supportv1.Attachment, []byte, error)

// DownloadAttachment writes an attachment's content to w, as it arrives,
// and returns its metadata. The content is checked against the size and
// SHA-256 of the metadata (ErrContentMismatch, after writing it). A call
// that fails with UNAVAILABLE before any content was written is retried.
func (c *Client) DownloadAttachment(ctx context.Context, ticketID, attachmentID string, w io.Writer, opts ...DownloadOption) (*supportv1.Attachment, error) {
	return c.download(ctx, func(ctx context.Context) (downloadStream, error) {
		s, err := c.svc.DownloadAttachment(ctx, &supportv1.DownloadAttachmentRequest{TicketId: ticketID, AttachmentId: attachmentID})
		if err != nil {
			return nil, err
		}
		return func() (*supportv1.Attachment, []byte, error) {
			m, err := s.Recv()
			return m.GetAttachment(), m.GetChunk(), err
		}, nil
	}, w, opts)
}

// DownloadAgentAttachment writes any ticket's attachment to w, as
// Client.DownloadAttachment.
func (a *Agent) DownloadAgentAttachment(ctx context.Context, ticketID, attachmentID string, w io.Writer, opts ...DownloadOption) (*supportv1.Attachment, error) {
	return a.download(ctx, func(ctx context.Context) (downloadStream, error) {
		s, err := a.svc.DownloadAgentAttachment(ctx, &supportv1.DownloadAgentAttachmentRequest{TicketId: ticketID, AttachmentId: attachmentID})
		if err != nil {
			return nil, err
		}
		return func() (*supportv1.Attachment, []byte, error) {
			m, err := s.Recv()
			return m.GetAttachment(), m.GetChunk(), err
		}, nil
	}, w, opts)
}

func (c *conn) download(ctx context.Context, open func(context.Context) (downloadStream, error), w io.Writer, opts []DownloadOption) (*supportv1.Attachment, error) {
	var o downloadOptions
	for _, f := range opts {
		f(&o)
	}
	for attempt := 1; ; attempt++ {
		att, wrote, err := downloadOnce(ctx, open, w, o)
		if err == nil || wrote || Code(err) != codes.Unavailable || attempt >= int(c.opts.maxAttempts) {
			return att, err
		}
		if werr := sleep(ctx, backoff(c.opts.retryBackoff, c.opts.maxBackoff, attempt)); werr != nil {
			return nil, err
		}
	}
}

// downloadOnce runs one download call; wrote says whether the metadata
// was handed over (BeforeContent called, content possibly written), after
// which a retry would write twice.
func downloadOnce(ctx context.Context, open func(context.Context) (downloadStream, error), w io.Writer, o downloadOptions) (att *supportv1.Attachment, wrote bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	recv, err := open(ctx)
	if err != nil {
		return nil, false, FromError(err)
	}
	att, _, err = recv()
	if err != nil {
		return nil, false, FromError(err)
	}
	if att == nil {
		return nil, false, errors.New("client: the download did not start with the attachment's metadata")
	}
	if o.before != nil {
		if err := o.before(att); err != nil {
			return att, true, err
		}
	}
	sum := sha256.New()
	size, err := copyChunks(recv, io.MultiWriter(w, sum))
	if err != nil {
		return att, true, err
	}
	if size != att.GetSizeBytes() || hex.EncodeToString(sum.Sum(nil)) != att.GetSha256() {
		return att, true, ErrContentMismatch
	}
	return att, true, nil
}

// copyChunks writes every following chunk to w and returns the bytes written.
func copyChunks(recv downloadStream, w io.Writer) (int64, error) {
	var size int64
	for {
		meta, chunk, err := recv()
		if errors.Is(err, io.EOF) {
			return size, nil
		}
		if err != nil {
			return size, FromError(err)
		}
		if meta != nil {
			return size, errors.New("client: metadata in the middle of a download")
		}
		if _, err := w.Write(chunk); err != nil {
			return size, err
		}
		size += int64(len(chunk))
	}
}

// ListAttachments returns one page of a ticket's attachments, oldest first.
func (c *Client) ListAttachments(ctx context.Context, req *supportv1.ListAttachmentsRequest) (*supportv1.ListAttachmentsResponse, error) {
	resp, err := c.svc.ListAttachments(ctx, req)
	return resp, FromError(err)
}

// AllAttachments iterates over a ticket's attachments, oldest first, page
// after page; files attached meanwhile come last. It stops after the first
// error, which it yields.
func (c *Client) AllAttachments(ctx context.Context, ticketID string) iter.Seq2[*supportv1.Attachment, error] {
	return pages(func(token string) ([]*supportv1.Attachment, string, error) {
		resp, err := c.ListAttachments(ctx, &supportv1.ListAttachmentsRequest{TicketId: ticketID, PageSize: 500, PageToken: token})
		return resp.GetAttachments(), resp.GetNextPageToken(), err
	}, "")
}

// ListAgentAttachments returns one page of any ticket's attachments.
func (a *Agent) ListAgentAttachments(ctx context.Context, req *supportv1.ListAgentAttachmentsRequest) (*supportv1.ListAgentAttachmentsResponse, error) {
	resp, err := a.svc.ListAgentAttachments(ctx, req)
	return resp, FromError(err)
}

// AllAgentAttachments iterates over any ticket's attachments, as
// Client.AllAttachments.
func (a *Agent) AllAgentAttachments(ctx context.Context, ticketID string) iter.Seq2[*supportv1.Attachment, error] {
	return pages(func(token string) ([]*supportv1.Attachment, string, error) {
		resp, err := a.ListAgentAttachments(ctx, &supportv1.ListAgentAttachmentsRequest{TicketId: ticketID, PageSize: 500, PageToken: token})
		return resp.GetAttachments(), resp.GetNextPageToken(), err
	}, "")
}
