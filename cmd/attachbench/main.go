// Command attachbench measures attachment uploads and downloads of
// supportd against a bare grpc-go server streaming the same bytes in the
// same messages, side by side in one run, over loopback TCP:
//
//	go run ./cmd/attachbench [--size 26214400] [--rounds 5]
//
// It starts (1) a bare grpc-go server (this program re-executed as
// `attachbench bare ADDR`) whose UploadAttachment reads the chunks and
// drops them and whose DownloadAttachment sends --size bytes from memory;
// (2) supportd --demo on a fresh database. Each round uploads a --size
// file (chunks of client.UploadChunkBytes) to one ticket and downloads it
// again, on both servers. It prints throughput (MiB/s) and each server's
// resident set (VmRSS from /proc, sampled every millisecond) before the
// first transfer and at its peak, with the ratios to the bare server. See
// bench/attach.sh.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/benchkit"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "bare" {
		if err := serveBare(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "attachbench bare:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.supportd, "supportd", "", "supportd binary (default: go build ./cmd/supportd)")
	flag.Int64Var(&o.size, "size", 25<<20, "bytes of the file (at most limits.attachment_bytes, 25 MiB by default)")
	flag.IntVar(&o.rounds, "rounds", 5, "uploads and downloads per server (at most limits.attachments_per_ticket)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (databases, logs)")
	flag.Parse()
	benchkit.Main("attachbench", func(ctx context.Context) error { return run(ctx, o) })
}

type options struct {
	supportd string
	size     int64
	rounds   int
	keep     bool
}

// target is one server under test: how to upload and download there.
type target struct {
	name     string
	srv      *benchkit.Server
	svc      supportv1.SupportServiceClient
	ctx      context.Context // with the partner key for supportd
	ticketID string
	lastID   string // the attachment uploaded last
}

// result is one kind of transfer on one server over every round.
type result struct {
	seconds  []float64 // per round
	peakRSS  int64     // the highest VmRSS seen during any round
	baseline int64     // VmRSS before the first round
}

func (r result) mibps(size int64) float64 {
	s := slices.Clone(r.seconds)
	slices.Sort(s)
	return float64(size) / (1 << 20) / s[len(s)/2] // the median round
}

func run(ctx context.Context, o options) error {
	work, err := benchkit.NewWork("attachbench-", o.supportd, "", o.keep)
	if err != nil {
		return err
	}
	defer work.Close()
	benchkit.PrintMachine()
	fmt.Printf("file: %d bytes, messages of %d bytes, %d rounds (median)\n", o.size, client.UploadChunkBytes, o.rounds)

	content := make([]byte, o.size)
	if _, err := rand.Read(content); err != nil {
		return err
	}
	bare, err := startBare(ctx, work)
	if err != nil {
		return err
	}
	defer bare.srv.Stop()
	sd, err := startSupportd(ctx, work)
	if err != nil {
		return err
	}
	defer sd.srv.Stop()

	res := map[string]map[string]*result{}
	for _, t := range []*target{bare, sd} {
		res[t.name] = map[string]*result{"upload": {}, "download": {}}
		for _, kind := range []string{"upload", "download"} {
			r := res[t.name][kind]
			if r.baseline, err = t.srv.RSS(); err != nil {
				return err
			}
			for range o.rounds {
				secs, peak, err := measure(t.srv, func() error {
					if kind == "upload" {
						return upload(t, content)
					}
					return download(t, o.size)
				})
				if err != nil {
					return fmt.Errorf("%s %s: %w", t.name, kind, err)
				}
				r.seconds, r.peakRSS = append(r.seconds, secs), max(r.peakRSS, peak)
			}
		}
	}
	report(res, o.size)
	return nil
}

// measure runs transfer while sampling the server's VmRSS every
// millisecond; it returns the transfer's duration and the peak seen.
func measure(srv *benchkit.Server, transfer func() error) (float64, int64, error) {
	var peak atomic.Int64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if rss, err := srv.RSS(); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	err := transfer()
	secs := time.Since(start).Seconds()
	close(done)
	<-sampled
	return secs, peak.Load(), err
}

func upload(t *target, content []byte) error {
	stream, err := t.svc.UploadAttachment(t.ctx)
	if err != nil {
		return err
	}
	meta := &supportv1.UploadAttachmentMetadata{TicketId: t.ticketID, Filename: "trace.bin", RequestId: uuid.NewString()}
	if err := stream.Send(&supportv1.UploadAttachmentRequest{Payload: &supportv1.UploadAttachmentRequest_Metadata{Metadata: meta}}); err != nil {
		return err
	}
	for off := 0; off < len(content); off += client.UploadChunkBytes {
		chunk := content[off:min(off+client.UploadChunkBytes, len(content))]
		if err := stream.Send(&supportv1.UploadAttachmentRequest{Payload: &supportv1.UploadAttachmentRequest_Chunk{Chunk: chunk}}); err != nil {
			break // the answer says why
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return err
	}
	if t.ticketID != "" && resp.GetAttachment().GetSizeBytes() != int64(len(content)) {
		return fmt.Errorf("stored %d bytes, sent %d", resp.GetAttachment().GetSizeBytes(), len(content))
	}
	t.lastID = resp.GetAttachment().GetId()
	return nil
}

func download(t *target, size int64) error {
	stream, err := t.svc.DownloadAttachment(t.ctx, &supportv1.DownloadAttachmentRequest{TicketId: t.ticketID, AttachmentId: t.lastID})
	if err != nil {
		return err
	}
	var got int64
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		got += int64(len(m.GetChunk()))
	}
	if got != size {
		return fmt.Errorf("downloaded %d bytes, want %d", got, size)
	}
	return nil
}

func dial(addr string) (supportv1.SupportServiceClient, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return supportv1.NewSupportServiceClient(conn), nil
}

func startBare(ctx context.Context, work *benchkit.Work) (*target, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return nil, err
	}
	srv, err := benchkit.Start(ctx, "bare", work.Dir, addr, work.Self, "bare", addr)
	if err != nil {
		return nil, err
	}
	svc, err := dial(addr)
	if err != nil {
		srv.Stop()
		return nil, err
	}
	return &target{name: "bare grpc-go", srv: srv, svc: svc, ctx: ctx}, nil
}

// unlimitedYAML lifts the per-key rate limit: the load is a few calls.
const unlimitedYAML = "limits:\n  requests_per_second: 1000000\n  burst: 1000000\n"

func startSupportd(ctx context.Context, work *benchkit.Work) (*target, error) {
	cfg := filepath.Join(work.Dir, "unlimited.yaml")
	if err := os.WriteFile(cfg, []byte(unlimitedYAML), 0o644); err != nil {
		return nil, err
	}
	srv, err := benchkit.StartSupportd(ctx, "supportd", work.Dir, work.Supportd, false,
		"--db", filepath.Join(work.Dir, "supportd.db"), "--metrics-listen", "", "--config", cfg, "--demo", "--log-level", "error")
	if err != nil {
		return nil, err
	}
	key, err := srv.DemoKey()
	if err != nil {
		srv.Stop()
		return nil, err
	}
	svc, err := dial(srv.Addr)
	if err != nil {
		srv.Stop()
		return nil, err
	}
	actx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	tk, err := svc.CreateTicket(actx, benchkit.Filing(uuid.NewString()))
	if err != nil {
		srv.Stop()
		return nil, err
	}
	return &target{name: "supportd", srv: srv, svc: svc, ctx: actx, ticketID: tk.GetTicket().GetId()}, nil
}

func report(res map[string]map[string]*result, size int64) {
	const mib = 1 << 20
	b, s := res["bare grpc-go"], res["supportd"]
	fmt.Printf("\n| %-32s | %12s | %12s | %10s |\n", "", "bare grpc-go", "supportd", "ratio")
	fmt.Printf("|%s|%s|%s|%s|\n", dashes(34), dashes(14), dashes(14), dashes(12))
	for _, kind := range []string{"upload", "download"} {
		bt, st := b[kind].mibps(size), s[kind].mibps(size)
		fmt.Printf("| %-32s | %12.1f | %12.1f | %9.2fx |\n", kind+" throughput (MiB/s)", bt, st, st/bt)
		fmt.Printf("| %-32s | %12.1f | %12.1f | %10s |\n", kind+": RSS before (MiB)", float64(b[kind].baseline)/mib, float64(s[kind].baseline)/mib, "")
		bg, sg := float64(b[kind].peakRSS-b[kind].baseline)/mib, float64(s[kind].peakRSS-s[kind].baseline)/mib
		fmt.Printf("| %-32s | %12.1f | %12.1f | %+9.1f |\n", kind+": RSS growth at peak (MiB)", bg, sg, sg-bg)
	}
}

func dashes(n int) string { return string(bytes.Repeat([]byte("-"), n)) }
