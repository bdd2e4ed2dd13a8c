package api

import (
	"context"
	"errors"
	"io"
	"log/slog"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/ticket"
	"github.com/supportd/supportd/server/token"
)

// Attachment RPCs, shared by the partner and agent services: the caller's
// scope comes from the principal (callerOf), so one implementation serves
// both; only the generated message types differ.

// uploadPart is one received upload message: metadata, or a chunk (ok
// says a payload was set at all).
type uploadPart struct {
	meta  *supportv1.UploadAttachmentMetadata
	chunk []byte
	ok    bool
}

// receiveUpload runs an upload stream: the first message must carry the
// metadata, the following ones chunks; io.EOF from recv ends the content.
func receiveUpload(ctx context.Context, svc *ticket.Attachments, recv func() (uploadPart, error)) (domain.Attachment, error) {
	first, err := recv()
	if errors.Is(err, io.EOF) || err == nil && first.meta == nil {
		return domain.Attachment{}, domain.Invalid(domain.FieldViolation{Field: "metadata",
			Description: "required: the first message of an upload carries the file's metadata, the following ones its content"})
	}
	if err != nil {
		return domain.Attachment{}, err
	}
	m := first.meta
	req := ticket.UploadRequest{TicketID: m.GetTicketId(), Filename: m.GetFilename(), ContentType: m.GetContentType(), RequestID: m.GetRequestId()}
	next := func() ([]byte, error) {
		p, err := recv()
		switch {
		case err != nil:
			return nil, err // io.EOF: the content is complete
		case p.meta != nil:
			return nil, domain.Invalid(domain.FieldViolation{Field: "metadata",
				Description: "only the first message may carry the metadata: the following ones carry chunks"})
		case !p.ok:
			return nil, domain.Invalid(domain.FieldViolation{Field: "chunk",
				Description: "a message without payload: after the metadata, every message carries a chunk"})
		}
		return p.chunk, nil
	}
	return svc.Upload(ctx, callerOf(ctx), req, next)
}

// listAttachments lists one page of a ticket's attachments.
func listAttachments(ctx context.Context, svc *ticket.Attachments, tokens *token.Signer, ticketID string, size int32, pageToken string) ([]*supportv1.Attachment, string, error) {
	limit, err := pageSize(size)
	if err != nil {
		return nil, "", err
	}
	scope := token.Scope("ListAttachments", ticketID)
	after, err := pageCursor(tokens, scope, pageToken)
	if err != nil {
		return nil, "", err
	}
	atts, next, err := svc.List(ctx, callerOf(ctx), ticketID, store.Page{After: after, Limit: limit})
	if err != nil {
		return nil, "", err
	}
	out := make([]*supportv1.Attachment, len(atts))
	for i, a := range atts {
		out[i] = attachmentToProto(a)
	}
	if next != "" {
		next = tokens.Sign(scope, []byte(next))
	}
	return out, next, nil
}

// download streams an attachment: its metadata, then its chunks in order.
func download(ctx context.Context, log *slog.Logger, svc *ticket.Attachments, ticketID, attachmentID string,
	sendMeta func(*supportv1.Attachment) error, sendChunk func([]byte) error) error {
	att, err := svc.Get(ctx, callerOf(ctx), ticketID, attachmentID)
	if err != nil {
		return toStatus(ctx, log, err)
	}
	if err := sendMeta(attachmentToProto(att)); err != nil {
		return err
	}
	return toStatus(ctx, log, svc.Content(ctx, att, sendChunk))
}

func attachmentToProto(a domain.Attachment) *supportv1.Attachment {
	return &supportv1.Attachment{Id: a.ID, TicketId: a.TicketID, Filename: a.Filename, ContentType: a.ContentType,
		SizeBytes: a.SizeBytes, Sha256: a.SHA256, Author: a.Author, CreateTime: timestamp(a.CreateTime)}
}

// UploadAttachment implements SupportService.UploadAttachment.
func (s *Support) UploadAttachment(stream supportv1.SupportService_UploadAttachmentServer) error {
	ctx := stream.Context()
	att, err := receiveUpload(ctx, s.attachments, func() (uploadPart, error) {
		m, err := stream.Recv()
		if err != nil {
			return uploadPart{}, err
		}
		_, isChunk := m.GetPayload().(*supportv1.UploadAttachmentRequest_Chunk)
		return uploadPart{meta: m.GetMetadata(), chunk: m.GetChunk(), ok: isChunk || m.GetMetadata() != nil}, nil
	})
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	return stream.SendAndClose(&supportv1.UploadAttachmentResponse{Attachment: attachmentToProto(att)})
}

// DownloadAttachment implements SupportService.DownloadAttachment.
func (s *Support) DownloadAttachment(req *supportv1.DownloadAttachmentRequest, stream supportv1.SupportService_DownloadAttachmentServer) error {
	return download(stream.Context(), s.log, s.attachments, req.GetTicketId(), req.GetAttachmentId(),
		func(a *supportv1.Attachment) error {
			return stream.Send(&supportv1.DownloadAttachmentResponse{Payload: &supportv1.DownloadAttachmentResponse_Attachment{Attachment: a}})
		},
		func(b []byte) error {
			return stream.Send(&supportv1.DownloadAttachmentResponse{Payload: &supportv1.DownloadAttachmentResponse_Chunk{Chunk: b}})
		})
}

// ListAttachments implements SupportService.ListAttachments.
func (s *Support) ListAttachments(ctx context.Context, req *supportv1.ListAttachmentsRequest) (*supportv1.ListAttachmentsResponse, error) {
	atts, next, err := listAttachments(ctx, s.attachments, s.tokens, req.GetTicketId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &supportv1.ListAttachmentsResponse{Attachments: atts, NextPageToken: next}, nil
}

// UploadAgentAttachment implements AgentService.UploadAgentAttachment.
func (a *Agent) UploadAgentAttachment(stream supportv1.AgentService_UploadAgentAttachmentServer) error {
	ctx := stream.Context()
	att, err := receiveUpload(ctx, a.attachments, func() (uploadPart, error) {
		m, err := stream.Recv()
		if err != nil {
			return uploadPart{}, err
		}
		_, isChunk := m.GetPayload().(*supportv1.UploadAgentAttachmentRequest_Chunk)
		return uploadPart{meta: m.GetMetadata(), chunk: m.GetChunk(), ok: isChunk || m.GetMetadata() != nil}, nil
	})
	if err != nil {
		return toStatus(ctx, a.log, err)
	}
	return stream.SendAndClose(&supportv1.UploadAgentAttachmentResponse{Attachment: attachmentToProto(att)})
}

// DownloadAgentAttachment implements AgentService.DownloadAgentAttachment.
func (a *Agent) DownloadAgentAttachment(req *supportv1.DownloadAgentAttachmentRequest, stream supportv1.AgentService_DownloadAgentAttachmentServer) error {
	return download(stream.Context(), a.log, a.attachments, req.GetTicketId(), req.GetAttachmentId(),
		func(att *supportv1.Attachment) error {
			return stream.Send(&supportv1.DownloadAgentAttachmentResponse{Payload: &supportv1.DownloadAgentAttachmentResponse_Attachment{Attachment: att}})
		},
		func(b []byte) error {
			return stream.Send(&supportv1.DownloadAgentAttachmentResponse{Payload: &supportv1.DownloadAgentAttachmentResponse_Chunk{Chunk: b}})
		})
}

// ListAgentAttachments implements AgentService.ListAgentAttachments.
func (a *Agent) ListAgentAttachments(ctx context.Context, req *supportv1.ListAgentAttachmentsRequest) (*supportv1.ListAgentAttachmentsResponse, error) {
	atts, next, err := listAttachments(ctx, a.attachments, a.tokens, req.GetTicketId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, a.log, err)
	}
	return &supportv1.ListAgentAttachmentsResponse{Attachments: atts, NextPageToken: next}, nil
}
