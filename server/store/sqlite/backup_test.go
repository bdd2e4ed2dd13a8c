package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestBackupOfALiveDatabase(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, filepath.Join(dir, "live.db"), Options{})
	for i := range 50 {
		if err := putSetting(s, fmt.Sprintf("before-%d", i), 1000); err != nil {
			t.Fatal(err)
		}
	}
	// Writes go on during the backup.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := putSetting(s, fmt.Sprintf("during-%d", i), 1000); err != nil {
				t.Error(err)
				return
			}
		}
	})
	out := filepath.Join(dir, "copy.db")
	err := Backup(context.Background(), filepath.Join(dir, "live.db"), out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if err := CheckIntegrity(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	// The copy opens as a store (while the original is open) and holds the data.
	c := openAt(t, out, Options{})
	for i := range 50 {
		if err := getSetting(c, fmt.Sprintf("before-%d", i)); err != nil {
			t.Fatalf("setting before-%d in the copy: %v", i, err)
		}
	}
	// No temporary file is left beside the copy.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "partial") {
			t.Errorf("left %s", e.Name())
		}
	}
}

func TestBackupRefusesToOverwriteOrInvent(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, filepath.Join(dir, "live.db"), Options{})
	if err := putSetting(s, "x", 1); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Backup(context.Background(), filepath.Join(dir, "live.db"), existing); err == nil {
		t.Fatal("Backup over an existing file succeeded")
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Fatal("Backup changed an existing file")
	}
	missing := filepath.Join(dir, "missing.db")
	if err := Backup(context.Background(), missing, filepath.Join(dir, "out.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Backup of a missing database: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Backup created the missing source")
	}
}

func TestCheckIntegrityFindsCorruption(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.db")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := putSetting(s, fmt.Sprintf("k-%d", i), 500); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	if err := CheckIntegrity(context.Background(), path); err != nil {
		t.Fatalf("sound database: %v", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = 0xA5
	}
	if _, err := f.WriteAt(garbage, fi.Size()-3*4096); err != nil { // a page of the settings table
		t.Fatal(err)
	}
	f.Close()
	if err := CheckIntegrity(context.Background(), path); err == nil {
		t.Fatal("integrity check passed a corrupted database")
	}
}
