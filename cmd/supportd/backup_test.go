package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/store/sqlite"
)

// checkIntegrity runs SQLite's integrity check on the database file db.
func checkIntegrity(t *testing.T, db string) {
	t.Helper()
	if err := sqlite.CheckIntegrity(t.Context(), db); err != nil {
		t.Fatal(err)
	}
}

// countTickets lists every ticket of the demo customer litware.
func countTickets(t *testing.T, ctx context.Context, support supportv1.SupportServiceClient) (n int, ids map[string]bool) {
	t.Helper()
	ids = map[string]bool{}
	token := ""
	for {
		resp, err := support.ListTickets(ctx, &supportv1.ListTicketsRequest{CustomerId: "litware", PageSize: 100, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range resp.GetTickets() {
			ids[tk.GetId()] = true
		}
		if token = resp.GetNextPageToken(); token == "" {
			return len(ids), ids
		}
	}
}

func TestBackupWhileServingAndRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	bin := buildSupportd(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "supportd.db")
	srv := startCrashProc(t, bin, db, true)
	key := srv.partner
	support, auth := crashClient(t, srv.addr, key)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	// Writers file tickets before, during and after the backup.
	// before holds the first 40 tickets acknowledged (by any writer): all
	// of them are acknowledged before the backup starts, which waits for
	// warm. (Taking the first tickets of one writer instead would be
	// wrong on a loaded machine: a slow writer may file its first tickets
	// while the backup already runs.)
	var created atomic.Int64
	var (
		mu     sync.Mutex
		before []string
	)
	warm := make(chan struct{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := support.CreateTicket(auth(ctx), crashFiling(uuid.NewString()))
				if err != nil {
					t.Errorf("create during the backup: %v", err)
					return
				}
				created.Add(1)
				mu.Lock()
				if len(before) < 40 {
					if before = append(before, resp.GetTicket().GetId()); len(before) == 40 {
						close(warm)
					}
				}
				mu.Unlock()
			}
		})
	}
	<-warm
	createdBefore := created.Load()
	out := filepath.Join(dir, "copy.db")
	backup, err := exec.Command(bin, "backup", "--db", db, "--out", out).CombinedOutput()
	createdDuring := created.Load()
	close(stop)
	wg.Wait()
	if err != nil || !strings.Contains(string(backup), "integrity check ok") {
		t.Fatalf("backup while serving: %v\n%s", err, backup)
	}
	if createdDuring == createdBefore {
		t.Log("no create completed during the backup (it was quicker than one commit)")
	}
	checkIntegrity(t, out)
	total := created.Load()
	// A second backup to the same name is refused, and the copy kept.
	if again, err := exec.Command(bin, "backup", "--db", db, "--out", out).CombinedOutput(); err == nil || !strings.Contains(string(again), "exists") {
		t.Fatalf("backup over an existing file: %v\n%s", err, again)
	}

	// Restore as documented: stop, replace the file, remove -wal and -shm, start.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	if err := os.Rename(out, db); err != nil {
		t.Fatal(err)
	}
	for _, sidecar := range []string{db + "-wal", db + "-shm"} {
		if err := os.Remove(sidecar); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	srv = startCrashProc(t, bin, db, false)
	support, auth = crashClient(t, srv.addr, key)
	n, ids := countTickets(t, auth(ctx), support)
	if int64(n) < createdBefore || int64(n) > total { // the snapshot lies between
		t.Fatalf("restored %d tickets; %d were acknowledged before the backup began, %d in all", n, createdBefore, total)
	}
	for _, id := range before {
		if !ids[id] {
			t.Errorf("ticket %s, filed before the backup began, is not in the restored database", id)
		}
	}
	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.exited
}
