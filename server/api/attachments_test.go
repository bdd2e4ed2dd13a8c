package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/ticket"
)

// withAttachmentLimits sets limits.attachment_bytes and
// limits.attachments_per_ticket.
func withAttachmentLimits(maxBytes int64, perTicket int) testserver.Option {
	return testserver.WithOptions(func(o *app.Options) {
		cfg := config.Default()
		cfg.Limits.AttachmentBytes, cfg.Limits.AttachmentsPerTicket = maxBytes, perTicket
		o.Config = cfg
	})
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func metaMsg(ticketID, filename, contentType, requestID string) *supportv1.UploadAttachmentRequest {
	return &supportv1.UploadAttachmentRequest{Payload: &supportv1.UploadAttachmentRequest_Metadata{Metadata: &supportv1.UploadAttachmentMetadata{
		TicketId: ticketID, Filename: filename, ContentType: contentType, RequestId: requestID}}}
}

func chunkMsg(b []byte) *supportv1.UploadAttachmentRequest {
	return &supportv1.UploadAttachmentRequest{Payload: &supportv1.UploadAttachmentRequest_Chunk{Chunk: b}}
}

// sendAll sends msgs and closes the stream; a server that answered early
// (io.EOF on Send) has its answer in CloseAndRecv.
func sendAll(stream supportv1.SupportService_UploadAttachmentClient, msgs ...*supportv1.UploadAttachmentRequest) (*supportv1.Attachment, error) {
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			break
		}
	}
	resp, err := stream.CloseAndRecv()
	return resp.GetAttachment(), err
}

// chunked splits content into upload chunk messages of size bytes.
func chunked(content []byte, size int) []*supportv1.UploadAttachmentRequest {
	var out []*supportv1.UploadAttachmentRequest
	for off := 0; off < len(content); off += size {
		out = append(out, chunkMsg(content[off:min(off+size, len(content))]))
	}
	return out
}

// upload attaches content as the partner of ctx with a fresh request id.
func upload(t *testing.T, ctx context.Context, c supportv1.SupportServiceClient, ticketID, filename string, content []byte) (*supportv1.Attachment, error) {
	t.Helper()
	return uploadWith(t, ctx, c, metaMsg(ticketID, filename, "", uuid.NewString()), content)
}

func uploadWith(t *testing.T, ctx context.Context, c supportv1.SupportServiceClient, meta *supportv1.UploadAttachmentRequest, content []byte) (*supportv1.Attachment, error) {
	t.Helper()
	stream, err := c.UploadAttachment(ctx)
	if err != nil {
		t.Fatalf("UploadAttachment: %v", err)
	}
	return sendAll(stream, append([]*supportv1.UploadAttachmentRequest{meta}, chunked(content, 100<<10)...)...)
}

// downloadAll returns an attachment's metadata, content and number of
// chunk messages.
func downloadAll(ctx context.Context, c supportv1.SupportServiceClient, ticketID, id string) (*supportv1.Attachment, []byte, int, error) {
	stream, err := c.DownloadAttachment(ctx, &supportv1.DownloadAttachmentRequest{TicketId: ticketID, AttachmentId: id})
	if err != nil {
		return nil, nil, 0, err
	}
	first, err := stream.Recv()
	if err != nil {
		return nil, nil, 0, err
	}
	var content bytes.Buffer
	n := 0
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return first.GetAttachment(), content.Bytes(), n, nil
		}
		if err != nil {
			return nil, nil, 0, err
		}
		if m.GetAttachment() != nil {
			return nil, nil, 0, errors.New("metadata after the first message")
		}
		content.Write(m.GetChunk())
		n++
	}
}

// nothingStaged asserts that no upload is staged and the ticket has
// exactly want attachments (rows and count).
func nothingStaged(t *testing.T, w *wk, ticketID string, want int) {
	t.Helper()
	err := w.s.Store.ReadTx(context.Background(), func(tx store.Reader) error {
		ids, err := tx.ListStagedUploads(context.Background(), time.Now().Add(1000*time.Hour), 100)
		if err != nil {
			return err
		}
		if len(ids) != 0 {
			t.Errorf("staged uploads left behind: %v", ids)
		}
		atts, _, err := tx.ListAttachments(context.Background(), ticketID, store.Page{Limit: 500})
		if err != nil {
			return err
		}
		if len(atts) != want {
			t.Errorf("ticket has %d attachment rows, want %d", len(atts), want)
		}
		tk, err := tx.GetTicket(context.Background(), ticketID)
		if err != nil {
			return err
		}
		if tk.AttachmentCount != want {
			t.Errorf("ticket attachment_count = %d, want %d", tk.AttachmentCount, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAttachmentRoundTripOfAMultiChunkFile(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	content := randomBytes(3*ticket.ChunkBytes*ticket.StageChunks/2 + 12345) // 1.5 stage batches and a partial chunk
	log := w.track(t, tk.GetId())
	att, err := upload(t, w.partner(t), w.s.Support(), tk.GetId(), "trace.bin", content)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if att.GetSha256() != sha256Hex(content) || att.GetSizeBytes() != int64(len(content)) {
		t.Errorf("attachment sha256 %s size %d, want %s %d", att.GetSha256(), att.GetSizeBytes(), sha256Hex(content), len(content))
	}
	if att.GetContentType() != "application/octet-stream" || att.GetFilename() != "trace.bin" || att.GetAuthor() != w.partnerActor ||
		att.GetTicketId() != tk.GetId() || att.GetId() == "" || !att.GetCreateTime().AsTime().Equal(w.s.Clock.Now()) {
		t.Errorf("attachment = %v", att)
	}
	evs := log.next(t, w.partnerActor, nil, domain.EventAttachmentAdded)
	if a := evs[0].Attachment; a == nil || a.ID != att.GetId() || a.SHA256 != att.GetSha256() {
		t.Errorf("event attachment = %+v, want %v", a, att)
	}
	if got := w.get(t, tk.GetId()).GetAttachmentCount(); got != 1 {
		t.Errorf("attachment_count = %d, want 1", got)
	}

	meta, got, chunks, err := downloadAll(w.partner(t), w.s.Support(), tk.GetId(), att.GetId())
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	if !bytes.Equal(got, content) || sha256Hex(got) != att.GetSha256() {
		t.Errorf("downloaded %d bytes (sha256 %s), want the %d uploaded", len(got), sha256Hex(got), len(content))
	}
	if want := (len(content) + ticket.ChunkBytes - 1) / ticket.ChunkBytes; chunks != want {
		t.Errorf("download sent %d chunk messages, want %d", chunks, want)
	}
	if meta.GetId() != att.GetId() || meta.GetSha256() != att.GetSha256() {
		t.Errorf("download metadata = %v, want %v", meta, att)
	}
	nothingStaged(t, w, tk.GetId(), 1)
}

func TestAttachmentMetadata(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	c := w.s.Support()
	for _, tc := range []struct {
		name, filename, contentType string
		content                     []byte
		wantName, wantType          string
	}{
		{"windows path", `C:\Users\ann\logs\app.log`, "", []byte("line 1\nline 2\n"), "app.log", "text/plain; charset=utf-8"},
		{"unix path and spoofing", "../../etc/pass\u202ewd\x07.txt ", "", []byte("%PDF-1.7\n"), "passwd.txt", "application/pdf"},
		{"given type normalised", "shot.png", "Image/PNG", []byte("not really a png"), "shot.png", "image/png"},
		{"empty file", "empty.log", "", nil, "empty.log", "text/plain; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			att, err := upload(t, w.partner(t), c, tk.GetId(), "", nil)
			wantCode(t, err, codes.InvalidArgument)
			stream, err := c.UploadAttachment(w.partner(t))
			if err != nil {
				t.Fatal(err)
			}
			att, err = sendAll(stream, append([]*supportv1.UploadAttachmentRequest{metaMsg(tk.GetId(), tc.filename, tc.contentType, uuid.NewString())},
				chunked(tc.content, 3)...)...)
			if err != nil {
				t.Fatalf("upload: %v", err)
			}
			if att.GetFilename() != tc.wantName || att.GetContentType() != tc.wantType || att.GetSha256() != sha256Hex(tc.content) {
				t.Errorf("attachment = %v, want filename %q, content type %q", att, tc.wantName, tc.wantType)
			}
		})
	}
}

func TestAttachmentUploadRefusals(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	c := w.s.Support()
	before := w.s.LastSequence(t)
	for _, tc := range []struct {
		name  string
		msgs  []*supportv1.UploadAttachmentRequest
		code  codes.Code
		field string
	}{
		{"no message", nil, codes.InvalidArgument, "metadata"},
		{"chunk first", []*supportv1.UploadAttachmentRequest{chunkMsg([]byte("x"))}, codes.InvalidArgument, "metadata"},
		{"metadata twice", []*supportv1.UploadAttachmentRequest{metaMsg(tk.GetId(), "a.txt", "", uuid.NewString()), chunkMsg([]byte("x")),
			metaMsg(tk.GetId(), "a.txt", "", uuid.NewString())}, codes.InvalidArgument, "metadata"},
		{"no payload", []*supportv1.UploadAttachmentRequest{metaMsg(tk.GetId(), "a.txt", "", uuid.NewString()), {}}, codes.InvalidArgument, "chunk"},
		{"bad request id", []*supportv1.UploadAttachmentRequest{metaMsg(tk.GetId(), "a.txt", "", "42")}, codes.InvalidArgument, "metadata.request_id"},
		{"bad content type", []*supportv1.UploadAttachmentRequest{metaMsg(tk.GetId(), "a.txt", "text", uuid.NewString())}, codes.InvalidArgument, "metadata.content_type"},
		{"unknown ticket", []*supportv1.UploadAttachmentRequest{metaMsg("nope", "a.txt", "", uuid.NewString())}, codes.NotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream, err := c.UploadAttachment(w.partner(t))
			if err != nil {
				t.Fatal(err)
			}
			_, err = sendAll(stream, tc.msgs...)
			st := wantCode(t, err, tc.code)
			if tc.field != "" && !hasFieldViolation(st, tc.field) {
				t.Errorf("%s: details %v lack a violation of %s", tc.name, st.Details(), tc.field)
			}
		})
	}
	closed := w.file(t, supportv1.Severity_SEVERITY_C)
	if _, err := c.CloseTicket(w.partner(t), &supportv1.CloseTicketRequest{TicketId: closed.GetId()}); err != nil {
		t.Fatal(err)
	}
	before = w.s.LastSequence(t)
	_, err := upload(t, w.partner(t), c, closed.GetId(), "late.txt", []byte("too late"))
	wantCode(t, err, codes.FailedPrecondition)
	if w.s.LastSequence(t) != before {
		t.Error("a refused upload appended events")
	}
	nothingStaged(t, w, tk.GetId(), 0)
	nothingStaged(t, w, closed.GetId(), 0)
}

func hasFieldViolation(st *status.Status, field string) bool {
	return testserver.DetailsOf(st.Err()).FieldDescription(field) != ""
}

func TestAttachmentOverTheSizeLimitLeavesNothing(t *testing.T) {
	limit := int64(ticket.StageChunks*ticket.ChunkBytes + ticket.ChunkBytes) // past the first staged batch
	w := startWorking(t, withAttachmentLimits(limit, 50))
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	before := w.s.LastSequence(t)
	_, err := upload(t, w.partner(t), w.s.Support(), tk.GetId(), "huge.bin", randomBytes(int(limit)+1))
	st := wantCode(t, err, codes.InvalidArgument)
	if !hasFieldViolation(st, "chunk") {
		t.Errorf("details %v lack a BadRequest violation of chunk", st.Details())
	}
	if w.s.LastSequence(t) != before {
		t.Error("a refused upload appended events")
	}
	nothingStaged(t, w, tk.GetId(), 0)

	// Exactly at the limit is fine.
	if _, err := upload(t, w.partner(t), w.s.Support(), tk.GetId(), "max.bin", randomBytes(int(limit))); err != nil {
		t.Fatalf("file at the limit: %v", err)
	}
}

func TestAttachmentsPerTicketLimit(t *testing.T) {
	w := startWorking(t, withAttachmentLimits(1<<20, 2))
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	c := w.s.Support()

	// An upload under way when the last place is taken fails at commit.
	late, err := c.UploadAttachment(w.partner(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := late.Send(metaMsg(tk.GetId(), "late.txt", "", uuid.NewString())); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := upload(t, w.partner(t), c, tk.GetId(), "f.txt", []byte{byte(i)}); err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	before := w.s.LastSequence(t)
	_, err = sendAll(late, chunkMsg([]byte("content")))
	checkQuota(t, "upload finishing after the limit was reached", err, tk.GetId())
	_, err = upload(t, w.partner(t), c, tk.GetId(), "third.txt", []byte("3"))
	checkQuota(t, "third upload", err, tk.GetId())
	if w.s.LastSequence(t) != before {
		t.Error("a refused upload appended events")
	}
	nothingStaged(t, w, tk.GetId(), 2)
}

func checkQuota(t *testing.T, what string, err error, ticketID string) {
	t.Helper()
	st := wantCode(t, err, codes.ResourceExhausted)
	if qf := testserver.DetailsOf(err).Quota; len(qf.GetViolations()) == 1 && qf.GetViolations()[0].GetSubject() == "tickets/"+ticketID {
		return
	}
	t.Errorf("%s: details %v lack the QuotaFailure of the ticket's attachments", what, st.Details())
}

func TestAttachmentsOfAnotherPartnerAreNotFound(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	other := w.file(t, supportv1.Severity_SEVERITY_C)
	att, err := upload(t, w.partner(t), w.s.Support(), tk.GetId(), "secret.txt", []byte("adatum only"))
	if err != nil {
		t.Fatal(err)
	}
	contoso := testserver.Auth(t.Context(), w.s.SeedDirectory(t, "contoso").PartnerKey)
	c := w.s.Support()
	_, _, _, err = downloadAll(contoso, c, tk.GetId(), att.GetId())
	wantCode(t, err, codes.NotFound)
	_, err = c.ListAttachments(contoso, &supportv1.ListAttachmentsRequest{TicketId: tk.GetId()})
	wantCode(t, err, codes.NotFound)
	_, err = upload(t, contoso, c, tk.GetId(), "intruder.txt", []byte("x"))
	wantCode(t, err, codes.NotFound)
	_, _, _, err = downloadAll(w.partner(t), c, other.GetId(), att.GetId())
	wantCode(t, err, codes.NotFound)
	_, _, _, err = downloadAll(w.partner(t), c, tk.GetId(), uuid.NewString())
	wantCode(t, err, codes.NotFound)
	nothingStaged(t, w, tk.GetId(), 1)
}

// hookStore signals after a write transaction that staged chunks commits,
// and after one that discards an upload.
type hookStore struct {
	store.Store
	staged, discarded chan struct{}
}

type hookTx struct {
	store.ReadWriter
	staged, discarded bool
}

func (h *hookTx) StageAttachmentChunk(ctx context.Context, id string, n int, data []byte, at time.Time) error {
	h.staged = true
	return h.ReadWriter.StageAttachmentChunk(ctx, id, n, data, at)
}

func (h *hookTx) DiscardStagedUpload(ctx context.Context, id string) error {
	h.discarded = true
	return h.ReadWriter.DiscardStagedUpload(ctx, id)
}

func (s *hookStore) ReadWriteTx(ctx context.Context, fn func(tx store.ReadWriter) error) error {
	var h *hookTx
	err := s.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		h = &hookTx{ReadWriter: tx}
		return fn(h)
	})
	if err == nil && h != nil {
		signal(h.staged, s.staged)
		signal(h.discarded, s.discarded)
	}
	return err
}

func signal(happened bool, ch chan struct{}) {
	if happened {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func withHookStore(h *hookStore) testserver.Option {
	return testserver.WithOptions(func(o *app.Options) { h.Store = o.Store; o.Store = h })
}

func TestAttachmentUploadCutOffLeavesNothing(t *testing.T) {
	h := &hookStore{staged: make(chan struct{}, 1), discarded: make(chan struct{}, 1)}
	w := startWorking(t, withHookStore(h))
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	before := w.s.LastSequence(t)
	ctx, cancel := context.WithCancel(w.partner(t))
	defer cancel()
	stream, err := w.s.Support().UploadAttachment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msgs := append([]*supportv1.UploadAttachmentRequest{metaMsg(tk.GetId(), "cut.bin", "", uuid.NewString())},
		chunked(randomBytes(ticket.StageChunks*ticket.ChunkBytes+1), 200<<10)...)
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	<-h.staged // the server staged the first chunks
	cancel()   // the client goes away mid-stream
	<-h.discarded
	if w.s.LastSequence(t) != before {
		t.Error("a cut-off upload appended events")
	}
	nothingStaged(t, w, tk.GetId(), 0)
}

func TestAbandonedStagedUploadsAreSwept(t *testing.T) {
	w := startWorking(t)
	ctx := context.Background()
	stage := func(id string) {
		err := w.s.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			return tx.StageAttachmentChunk(ctx, id, 0, []byte("orphan"), w.s.Clock.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	stage("crashed-upload")
	w.s.Clock.Advance(ticket.StagedUploadRetention / 2)
	stage("recent-upload")
	w.s.Clock.Advance(ticket.StagedUploadRetention/2 + time.Second)
	n, err := w.s.App.SweepStagedUploads(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v; want 1 (only the upload idle past the retention)", n, err)
	}
	var left []string
	_ = w.s.Store.ReadTx(ctx, func(tx store.Reader) error {
		left, err = tx.ListStagedUploads(ctx, w.s.Clock.Now().Add(time.Hour), 10)
		return err
	})
	if len(left) != 1 || left[0] != "recent-upload" {
		t.Errorf("staged uploads after the sweep = %v, want [recent-upload]", left)
	}
}

func TestAttachmentRetryWithTheSameRequestID(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	c := w.s.Support()
	rid := uuid.NewString()
	first, err := uploadWith(t, w.partner(t), c, metaMsg(tk.GetId(), "app.log", "", rid), []byte("log line"))
	if err != nil {
		t.Fatal(err)
	}
	// A retry after the first committed: the same attachment, no content read.
	again, err := uploadWith(t, w.partner(t), c, metaMsg(tk.GetId(), "app.log", "", rid), []byte("log line"))
	if err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry = %v, %v; want attachment %s", again, err, first.GetId())
	}
	// A retry racing an upload still under way: whichever commits first wins.
	inflight, err := c.UploadAttachment(w.partner(t))
	if err != nil {
		t.Fatal(err)
	}
	rid2 := uuid.NewString()
	if err := inflight.Send(metaMsg(tk.GetId(), "b.log", "", rid2)); err != nil {
		t.Fatal(err)
	}
	second, err := uploadWith(t, w.partner(t), c, metaMsg(tk.GetId(), "b.log", "", rid2), []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	raced, err := sendAll(inflight, chunkMsg([]byte("b")))
	if err != nil || raced.GetId() != second.GetId() {
		t.Fatalf("racing retry = %v, %v; want attachment %s", raced, err, second.GetId())
	}
	// The same request id for another file is refused.
	_, err = uploadWith(t, w.partner(t), c, metaMsg(tk.GetId(), "other.log", "", rid), []byte("x"))
	wantCode(t, err, codes.AlreadyExists)
	// Another partner's request ids are its own.
	contoso := w.s.SeedDirectory(t, "contoso")
	ctk, err := c.CreateTicket(testserver.Auth(t.Context(), contoso.PartnerKey), func() *supportv1.CreateTicketRequest {
		r := w.fileReq(supportv1.Severity_SEVERITY_B)
		r.CustomerId = contoso.EndCustomer.GetId()
		r.Contact.Email = "ops@contoso.example"
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uploadWith(t, testserver.Auth(t.Context(), contoso.PartnerKey), c, metaMsg(ctk.GetTicket().GetId(), "app.log", "", rid), []byte("x")); err != nil {
		t.Fatalf("another partner's upload with the same request id: %v", err)
	}
	nothingStaged(t, w, tk.GetId(), 2)
	if n := len(wkEvents(t, w.s, tk.GetId())); n != 3 { // CREATED and two ATTACHMENT_ADDED
		t.Errorf("ticket has %d events, want 3", n)
	}
}

func TestAttachmentsListedInCommitOrderWhileUploading(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	c := w.s.Support()
	var want []string
	add := func() {
		att, err := upload(t, w.partner(t), c, tk.GetId(), "f.txt", []byte(uuid.NewString()))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, att.GetId())
	}
	// One upload starts before the others and commits after them: it
	// lists after them.
	early, err := c.UploadAttachment(w.partner(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := early.Send(metaMsg(tk.GetId(), "early.txt", "", uuid.NewString())); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		add()
	}
	var got []string
	token := ""
	for page := 0; ; page++ {
		resp, err := c.ListAttachments(w.partner(t), &supportv1.ListAttachmentsRequest{TicketId: tk.GetId(), PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range resp.GetAttachments() {
			got = append(got, a.GetId())
		}
		if page == 0 { // uploads committed between pages show up later
			att, err := sendAll(early, chunkMsg([]byte("early")))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, att.GetId())
			add()
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("listed %v, want %v (commit order)", got, want)
		}
	}
	_, err = c.ListAttachments(w.partner(t), &supportv1.ListAttachmentsRequest{TicketId: w.file(t, supportv1.Severity_SEVERITY_C).GetId(), PageToken: token + "x"})
	wantCode(t, err, codes.InvalidArgument)
}

func TestAgentAttachments(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	a := w.s.Agent()
	stream, err := a.UploadAgentAttachment(w.agent(t))
	if err != nil {
		t.Fatal(err)
	}
	content := randomBytes(ticket.ChunkBytes + 1)
	msgs := []*supportv1.UploadAgentAttachmentRequest{{Payload: &supportv1.UploadAgentAttachmentRequest_Metadata{
		Metadata: &supportv1.UploadAttachmentMetadata{TicketId: tk.GetId(), Filename: "fix.ps1", ContentType: "text/plain", RequestId: uuid.NewString()}}}}
	for _, m := range chunked(content, 64<<10) {
		msgs = append(msgs, &supportv1.UploadAgentAttachmentRequest{Payload: &supportv1.UploadAgentAttachmentRequest_Chunk{Chunk: m.GetChunk()}})
	}
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	att := resp.GetAttachment()
	if att.GetAuthor() != w.agentActor || att.GetSha256() != sha256Hex(content) {
		t.Errorf("agent attachment = %v", att)
	}
	list, err := a.ListAgentAttachments(w.agent(t), &supportv1.ListAgentAttachmentsRequest{TicketId: tk.GetId()})
	if err != nil || len(list.GetAttachments()) != 1 || list.GetAttachments()[0].GetId() != att.GetId() {
		t.Fatalf("ListAgentAttachments = %v, %v", list, err)
	}
	dl, err := a.DownloadAgentAttachment(w.agent(t), &supportv1.DownloadAgentAttachmentRequest{TicketId: tk.GetId(), AttachmentId: att.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for {
		m, err := dl.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.GetChunk()...)
	}
	if !bytes.Equal(got, content) {
		t.Errorf("agent download: %d bytes, want the %d uploaded", len(got), len(content))
	}
	// The partner sees support's file.
	_, pgot, _, err := downloadAll(w.partner(t), w.s.Support(), tk.GetId(), att.GetId())
	if err != nil || !bytes.Equal(pgot, content) {
		t.Errorf("partner download of the agent's file: %d bytes, %v", len(pgot), err)
	}
}

func TestAttachmentAddedOnTheWatch(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	ctx, cancel := context.WithCancel(w.partner(t))
	defer cancel()
	watch, err := w.s.Support().WatchTicket(ctx, &supportv1.WatchTicketRequest{TicketId: tk.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	att, err := upload(t, w.partner(t), w.s.Support(), tk.GetId(), "screen.png", []byte("\x89PNG\r\n\x1a\nrest"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		m, err := watch.Recv()
		if err != nil {
			t.Fatal(err)
		}
		ev := m.GetEvent()
		if ev.GetType() != supportv1.TicketEventType_TICKET_EVENT_TYPE_ATTACHMENT_ADDED {
			continue
		}
		got := ev.GetAttachment()
		if got.GetId() != att.GetId() || got.GetFilename() != "screen.png" || got.GetContentType() != "image/png" ||
			got.GetSha256() != att.GetSha256() || ev.GetTicket().GetAttachmentCount() != 1 {
			t.Errorf("event attachment = %v, ticket count %d; want %v", got, ev.GetTicket().GetAttachmentCount(), att)
		}
		return
	}
}
