package client_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// UploadAttachment forwards an upload to the real server; the answers of
// the first failAfter calls are lost (replaced by UNAVAILABLE).
func (f *flaky) UploadAttachment(stream grpc.ClientStreamingServer[supportv1.UploadAttachmentRequest, supportv1.UploadAttachmentResponse]) error {
	f.mu.Lock()
	f.calls["/support.v1.SupportService/UploadAttachment"]++
	n := f.calls["/support.v1.SupportService/UploadAttachment"]
	f.mu.Unlock()
	up, err := f.real.UploadAttachment(forward(stream.Context()))
	if err != nil {
		return err
	}
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if m.GetMetadata() != nil {
			f.mu.Lock()
			f.requestIDs = append(f.requestIDs, m.GetMetadata().GetRequestId())
			f.mu.Unlock()
		}
		if err := up.Send(m); err != nil {
			break
		}
	}
	resp, err := up.CloseAndRecv()
	if err != nil {
		return err
	}
	if n <= f.failAfter {
		return status.Error(codes.Unavailable, "flaky: answer lost")
	}
	return stream.SendAndClose(resp)
}

func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestAttachmentUploadDownloadList(t *testing.T) {
	e := start(t)
	tk := mustCreate(t, e.c, "with a trace")
	data := content(3*client.UploadChunkBytes + 17)
	var progress []int64
	att, err := e.c.UploadAttachment(t.Context(), tk.GetId(), "logs/trace.bin", "", bytes.NewReader(data),
		client.OnUploadProgress(func(sent int64) { progress = append(progress, sent) }))
	if err != nil {
		t.Fatalf("UploadAttachment: %v", err)
	}
	sum := sha256.Sum256(data)
	if att.GetSha256() != hex.EncodeToString(sum[:]) || att.GetSizeBytes() != int64(len(data)) || att.GetFilename() != "trace.bin" {
		t.Errorf("attachment = %v", att)
	}
	if len(progress) != 4 || progress[3] != int64(len(data)) {
		t.Errorf("progress = %v, want 4 steps to %d", progress, len(data))
	}
	var got bytes.Buffer
	var before *supportv1.Attachment
	meta, err := e.c.DownloadAttachment(t.Context(), tk.GetId(), att.GetId(), &got,
		client.BeforeContent(func(a *supportv1.Attachment) error { before = a; return nil }))
	if err != nil || !bytes.Equal(got.Bytes(), data) || meta.GetId() != att.GetId() || before.GetId() != att.GetId() {
		t.Fatalf("DownloadAttachment = %v, %v (%d bytes)", meta, err, got.Len())
	}
	// The agent side sees it and adds its own.
	if _, err := e.agent.UploadAgentAttachment(t.Context(), tk.GetId(), "fix.txt", "text/plain", bytes.NewBufferString("do this")); err != nil {
		t.Fatalf("UploadAgentAttachment: %v", err)
	}
	var names []string
	for a, err := range e.agent.AllAgentAttachments(t.Context(), tk.GetId()) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.GetFilename())
	}
	var partnerNames []string
	for a, err := range e.c.AllAttachments(t.Context(), tk.GetId()) {
		if err != nil {
			t.Fatal(err)
		}
		partnerNames = append(partnerNames, a.GetFilename())
	}
	if len(names) != 2 || names[0] != "trace.bin" || names[1] != "fix.txt" || len(partnerNames) != 2 {
		t.Errorf("attachments = %v (agent), %v (partner)", names, partnerNames)
	}
	var agentCopy bytes.Buffer
	if _, err := e.agent.DownloadAgentAttachment(t.Context(), tk.GetId(), att.GetId(), &agentCopy); err != nil || !bytes.Equal(agentCopy.Bytes(), data) {
		t.Errorf("DownloadAgentAttachment: %v (%d bytes)", err, agentCopy.Len())
	}
	_, err = e.c.DownloadAttachment(t.Context(), tk.GetId(), "no-such-attachment", io.Discard)
	if client.Code(err) != codes.NotFound {
		t.Errorf("download of an unknown attachment = %v, want NOT_FOUND", err)
	}
	var ce *client.Error
	_, err = e.c.UploadAttachment(t.Context(), tk.GetId(), "", "", bytes.NewReader(nil))
	if !errors.As(err, &ce) || ce.Code != codes.InvalidArgument || len(ce.FieldViolations) == 0 {
		t.Errorf("upload without a name = %v, want INVALID_ARGUMENT with violations", err)
	}
}

// TestAttachmentUploadRetryIsIdempotent loses the answers of the first two
// uploads after the server stored the file: the retries rewind the reader
// and carry the same request id, so the file is attached once.
func TestAttachmentUploadRetryIsIdempotent(t *testing.T) {
	e := start(t)
	tk := mustCreate(t, e.c, "attached once")
	f, c := startFlaky(t, e, 0, 2)
	data := content(client.UploadChunkBytes + 5)
	r := bytes.NewReader(data)
	att, err := c.UploadAttachment(t.Context(), tk.GetId(), "once.bin", "", r)
	if err != nil {
		t.Fatalf("UploadAttachment: %v", err)
	}
	if n := f.count("UploadAttachment"); n != 3 {
		t.Errorf("upload attempts = %d, want 3", n)
	}
	f.mu.Lock()
	ids := append([]string(nil), f.requestIDs...)
	f.mu.Unlock()
	if len(ids) != 3 || ids[0] == "" || ids[1] != ids[0] || ids[2] != ids[0] {
		t.Errorf("request ids of the attempts %q: want one, non-empty", ids)
	}
	if att.GetSizeBytes() != int64(len(data)) {
		t.Errorf("size = %d, want %d (the retries rewound the reader)", att.GetSizeBytes(), len(data))
	}
	n := 0
	for _, err := range e.c.AllAttachments(t.Context(), tk.GetId()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("ticket has %d attachments, want 1", n)
	}
}

// TestAttachmentUploadOfAPlainReaderIsNotRetried: content that cannot be
// read again is not sent again.
func TestAttachmentUploadOfAPlainReaderIsNotRetried(t *testing.T) {
	e := start(t)
	tk := mustCreate(t, e.c, "plain reader")
	f, c := startFlaky(t, e, 0, 1)
	_, err := c.UploadAttachment(t.Context(), tk.GetId(), "pipe.txt", "", io.LimitReader(bytes.NewReader(content(10)), 10))
	if client.Code(err) != codes.Unavailable {
		t.Fatalf("UploadAttachment = %v, want UNAVAILABLE", err)
	}
	if n := f.count("UploadAttachment"); n != 1 {
		t.Errorf("upload attempts = %d, want 1", n)
	}
}
