package main

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/supportd/supportd/client"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// TestReplicasShareAttachments uploads one file to two replicas at once
// with one request id (a client retrying on another replica while its
// first upload runs): both calls answer one attachment. The file is
// downloaded whole from the third replica, and an agent's upload on one
// replica is listed with it on another.
func TestReplicasShareAttachments(t *testing.T) {
	s := startReplicas(t, 3, "")
	ctx := t.Context()
	p0, p1, p2 := s.partner(0), s.partner(1), s.partner(2)
	tk, err := p0.CreateTicket(ctx, crashFiling(uuid.NewString()))
	if err != nil {
		t.Fatal(err)
	}
	content := make([]byte, 1<<20+12345) // five chunks
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(rng.UintN(256))
	}
	rid := uuid.NewString()
	var wg sync.WaitGroup
	got := make([]*supportv1.Attachment, 2)
	for i, c := range []*client.Client{p0, p1} {
		wg.Go(func() {
			a, err := c.UploadAttachment(ctx, tk.GetId(), "trace.bin", "application/octet-stream", bytes.NewReader(content),
				client.WithUploadRequestID(rid))
			if err != nil {
				t.Errorf("upload on replica %d: %v", i, err)
			}
			got[i] = a
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if got[0].GetId() != got[1].GetId() {
		t.Fatalf("one request id uploaded to two replicas: attachments %s and %s", got[0].GetId(), got[1].GetId())
	}
	var out bytes.Buffer
	if _, err := p2.DownloadAttachment(ctx, tk.GetId(), got[0].GetId(), &out); err != nil {
		t.Fatalf("download on replica 2: %v", err)
	}
	if !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("downloaded %d bytes on replica 2, uploaded %d (or other bytes)", out.Len(), len(content))
	}
	if _, err := s.agent(1).UploadAgentAttachment(ctx, tk.GetId(), "fix.txt", "text/plain", bytes.NewReader([]byte("apply the patch"))); err != nil {
		t.Fatalf("agent upload on replica 1: %v", err)
	}
	var names []string
	for a, err := range p2.AllAttachments(ctx, tk.GetId()) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.GetFilename())
	}
	if len(names) != 2 || names[0] != "trace.bin" || names[1] != "fix.txt" {
		t.Errorf("attachments listed on replica 2: %v, want [trace.bin fix.txt]", names)
	}
}
