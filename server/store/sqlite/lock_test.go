//go:build unix

package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/supportd/supportd/server/store"
)

func TestOpenLocksTheDatabaseToOneStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "supportd.db")
	first, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A second open of the same file fails at once, naming the holder.
	second, err := Open(context.Background(), path, Options{})
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked database succeeded")
	}
	if !errors.Is(err, store.ErrInUse) {
		t.Fatalf("second Open: %v, want store.ErrInUse", err)
	}
	for _, want := range []string{path, "pid " + strconv.Itoa(os.Getpid()), path + ".lock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	// The first store is unaffected.
	if err := first.ReadWriteTx(context.Background(), func(tx store.ReadWriter) error {
		return tx.PutSetting(context.Background(), "probe", []byte("1"))
	}); err != nil {
		t.Fatalf("write of the holder after a refused open: %v", err)
	}
	// Closing releases the lock.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again := openAt(t, path, Options{})
	if err := again.ReadTx(context.Background(), func(tx store.Reader) error {
		_, err := tx.GetSetting(context.Background(), "probe")
		return err
	}); err != nil {
		t.Fatalf("read after reopening: %v", err)
	}
}

func TestOpenOfAnotherDatabaseInTheSameDirectory(t *testing.T) {
	dir := t.TempDir()
	openAt(t, filepath.Join(dir, "a.db"), Options{})
	openAt(t, filepath.Join(dir, "b.db"), Options{}) // locks are per database file
}
