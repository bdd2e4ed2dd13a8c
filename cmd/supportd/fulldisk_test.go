package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// mountTmpfs mounts a tmpfs of size (e.g. "8m") on a new directory and
// unmounts it when the test ends; it skips the test where mounting is not
// allowed (not root, no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillExcept writes a filler file that leaves about keep bytes free on the
// file system of dir.
func fillExcept(t *testing.T, dir string, keep int64) string {
	t.Helper()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	free := int64(fs.Bavail) * int64(fs.Bsize)
	if free <= keep {
		t.Fatalf("only %d bytes free on %s", free, dir)
	}
	name := filepath.Join(dir, "filler")
	if err := os.WriteFile(name, make([]byte, free-keep), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestFullDiskOnTheRealBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	dir := mountTmpfs(t, "8m") // before the server: unmounted after it stopped
	bin := buildSupportd(t)
	db := filepath.Join(dir, "supportd.db")
	srv := startCrashProc(t, bin, db, true)
	support, auth := crashClient(t, srv.addr, srv.partner)
	conn, err := grpc.NewClient(srv.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	storage := func() healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		resp, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "supportd.storage"})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	first, err := support.CreateTicket(auth(ctx), crashFiling(uuid.NewString()))
	if err != nil {
		t.Fatal(err)
	}
	filler := fillExcept(t, dir, 256<<10)

	// Fill the rest with creates until the disk is full.
	created := 1
	var full *status.Status
	for range 10_000 {
		_, err := support.CreateTicket(auth(ctx), crashFiling(uuid.NewString()))
		if err == nil {
			created++
			continue
		}
		full = status.Convert(err)
		break
	}
	if full == nil {
		t.Fatal("10000 creates did not fill 256 KiB")
	}
	if full.Code() != codes.ResourceExhausted || !strings.Contains(full.Message(), "storage is full") {
		t.Fatalf("create on a full disk: %v, want RESOURCE_EXHAUSTED saying storage is full\n%s", full.Err(), srv.output())
	}
	var reason string
	for _, d := range full.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			reason = info.GetReason()
		}
	}
	if reason != "STORAGE_FULL" {
		t.Errorf("reason %q, want STORAGE_FULL", reason)
	}
	// Reads go on; the storage health says the disk is full.
	if _, err := support.GetTicket(auth(ctx), &supportv1.GetTicketRequest{TicketId: first.GetTicket().GetId()}); err != nil {
		t.Fatalf("read on a full disk: %v", err)
	}
	if got := storage(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("storage health on a full disk = %v, want NOT_SERVING", got)
	}
	// A second refusal is the same (the writer survived the failed commit).
	if _, err := support.CreateTicket(auth(ctx), crashFiling(uuid.NewString())); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("second create on a full disk: %v", err)
	}

	// Space freed: writes work again at once, health recovers.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if _, err := support.CreateTicket(auth(ctx), crashFiling(uuid.NewString())); err != nil {
		t.Fatalf("create after space was freed: %v\n%s", err, srv.output())
	}
	created++
	if got := storage(); got != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("storage health after space was freed = %v, want SERVING", got)
	}

	// Full again, and stopped while full: the checkpoint at close cannot
	// grow the database file; the WAL keeps the commits for the next start.
	filler = fillExcept(t, dir, 256<<10)
	for range 10_000 {
		_, err := support.CreateTicket(auth(ctx), crashFiling(uuid.NewString()))
		if status.Code(err) == codes.ResourceExhausted {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		created++
	}
	if got := storage(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("storage health on the second full disk = %v", got)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	if srv.cmd.ProcessState.ExitCode() != 0 || !strings.Contains(srv.output(), "msg=stopped") {
		t.Fatalf("supportd stopped on a full disk: exit %d:\n%s", srv.cmd.ProcessState.ExitCode(), srv.output())
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}

	// Every acknowledged ticket is there after a restart, and nothing else;
	// the database passes SQLite's integrity check.
	checkIntegrity(t, db)
	key := srv.partner
	srv = startCrashProc(t, bin, db, false)
	support, auth = crashClient(t, srv.addr, key)
	listed := 0
	token := ""
	for {
		resp, err := support.ListTickets(auth(ctx), &supportv1.ListTicketsRequest{CustomerId: "litware", PageSize: 100, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		listed += len(resp.GetTickets())
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if listed != created {
		t.Fatalf("%d tickets after restart, %d creates acknowledged", listed, created)
	}
	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.exited
}
