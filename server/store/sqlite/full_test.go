package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/supportd/supportd/server/store"
)

// limitPages caps the database at its current size plus extra pages on the
// writer connection (PRAGMA max_page_count): a write that needs more fails
// with SQLITE_FULL, like on a full disk. A negative extra lifts the cap.
func limitPages(t *testing.T, s *Store, extra int) {
	t.Helper()
	ctx := context.Background()
	var pages int
	if err := s.writer.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	limit := pages + extra
	if extra < 0 {
		limit = 1 << 30
	}
	if _, err := s.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", limit)); err != nil {
		t.Fatal(err)
	}
}

func putSetting(s *Store, name string, size int) error {
	ctx := context.Background()
	return s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.PutSetting(ctx, name, []byte(strings.Repeat("x", size)))
	})
}

func getSetting(s *Store, name string) error {
	ctx := context.Background()
	return s.ReadTx(ctx, func(tx store.Reader) error {
		_, err := tx.GetSetting(ctx, name)
		return err
	})
}

func TestFullDiskIsErrStorageFullAndWritesResume(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "full.db"), Options{})
	if err := putSetting(s, "before", 10); err != nil {
		t.Fatal(err)
	}
	limitPages(t, s, 0)
	err := putSetting(s, "big", 200_000)
	if !errors.Is(err, store.ErrStorageFull) {
		t.Fatalf("write beyond the space left: %v, want store.ErrStorageFull", err)
	}
	if err := getSetting(s, "before"); err != nil {
		t.Fatalf("read while full: %v", err)
	}
	if err := getSetting(s, "big"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed write left %v", err)
	}
	limitPages(t, s, -1) // space freed
	if err := putSetting(s, "big", 200_000); err != nil {
		t.Fatalf("write after space was freed: %v", err)
	}
	if err := getSetting(s, "big"); err != nil {
		t.Fatal(err)
	}
}

// TestFullDiskAbortsTheBatch checks the group commit on a full disk: the
// requests batched before the failing one are rolled back and told so
// (storage full, not success), the ones after it run in a new batch.
func TestFullDiskAbortsTheBatch(t *testing.T) {
	t.Run("error returned", func(t *testing.T) { testFullDiskAbortsTheBatch(t, false) })
	// A member that hides the error (returns nil, as code that turns
	// store errors into its own might) still aborts the batch: its
	// savepoint is gone with the transaction SQLite rolled back.
	t.Run("error hidden", func(t *testing.T) { testFullDiskAbortsTheBatch(t, true) })
}

func testFullDiskAbortsTheBatch(t *testing.T, hide bool) {
	s := openAt(t, filepath.Join(t.TempDir(), "batch-full.db"), Options{})
	ctx := context.Background()
	if err := putSetting(s, "warm", 10); err != nil { // the settings page exists
		t.Fatal(err)
	}
	limitPages(t, s, 0)

	started, release := make(chan struct{}), make(chan struct{})
	blocking := make(chan error, 1)
	go func() {
		blocking <- s.ReadWriteTx(ctx, func(store.ReadWriter) error {
			close(started)
			<-release // holds the writer while the batch queues
			return nil
		})
	}()
	<-started
	waitQueued := func(n int) {
		for len(s.reqs) != n {
			runtime.Gosched()
		}
	}

	names := []string{"before", "big", "after"}
	sizes := []int{10, 200_000, 10}
	results := make([]error, len(names))
	var wg sync.WaitGroup
	for i := range names {
		wg.Go(func() {
			if hide && names[i] == "big" {
				results[i] = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
					_ = tx.PutSetting(ctx, "big", []byte(strings.Repeat("x", sizes[i])))
					return nil
				})
				return
			}
			results[i] = putSetting(s, names[i], sizes[i])
		})
		waitQueued(i + 1) // queued in order: one batch
	}
	close(release)
	wg.Wait()
	if err := <-blocking; err != nil {
		t.Fatal(err)
	}

	if results[0] == nil || !strings.Contains(results[0].Error(), "rolled back") || (!hide && !errors.Is(results[0], store.ErrStorageFull)) {
		t.Errorf("request before the failing one: %v, want rolled back (with storage full)", results[0])
	}
	if results[1] == nil || (!hide && !errors.Is(results[1], store.ErrStorageFull)) {
		t.Errorf("failing request: %v, want an error (storage full)", results[1])
	}
	if results[2] != nil {
		t.Errorf("request after the failing one: %v, want it committed in a new batch", results[2])
	}
	for name, want := range map[string]error{"before": store.ErrNotFound, "big": store.ErrNotFound, "after": nil} {
		if err := getSetting(s, name); !errors.Is(err, want) {
			t.Errorf("setting %s: %v, want %v", name, err, want)
		}
	}
	// The writer goes on.
	limitPages(t, s, -1)
	if err := putSetting(s, "big", 200_000); err != nil {
		t.Fatalf("write after space was freed: %v", err)
	}
}
