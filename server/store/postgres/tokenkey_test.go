package postgres

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/token"
)

// TestReplicasStartingAtOnceShareTheTokenKey starts two replicas on a new
// database at once: A reads the token signing key unset, then B creates
// it (and starts) before A creates its own. Both must end with the one
// key stored, or resume and page tokens of one replica would not verify
// on the other (a second creator replacing the key also invalidates the
// tokens the first one already gave out).
func TestReplicasStartingAtOnceShareTheTokenKey(t *testing.T) {
	url := pgtest.NewDatabase(t)
	a, b := openURL(t, url, Options{MaxConns: 2}), openURL(t, url, Options{MaxConns: 2})
	ctx := t.Context()
	var keyB []byte
	var once sync.Once
	paused := &afterGetSetting{Store: a, hook: func() {
		once.Do(func() {
			var err error
			if keyB, err = token.LoadKey(ctx, b); err != nil {
				t.Errorf("B: %v", err)
			}
		})
	}}
	keyA, err := token.LoadKey(ctx, paused)
	if err != nil {
		t.Fatalf("A: %v", err)
	}
	var stored []byte
	if err := a.ReadTx(ctx, func(tx store.Reader) (err error) { stored, err = tx.GetSetting(ctx, "token_key"); return err }); err != nil {
		t.Fatal(err)
	}
	if len(keyB) != 32 || !bytes.Equal(keyA, keyB) || !bytes.Equal(keyA, stored) {
		t.Errorf("A loaded %x, B loaded %x, the database holds %x: want one key", keyA, keyB, stored)
	}
}

// afterGetSetting is a store whose write transactions call hook after
// each GetSetting, while the transaction is open.
type afterGetSetting struct {
	store.Store
	hook func()
}

func (s *afterGetSetting) ReadWriteTx(ctx context.Context, fn func(tx store.ReadWriter) error) error {
	return s.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return fn(hookedTx{tx, s.hook}) })
}

type hookedTx struct {
	store.ReadWriter
	hook func()
}

func (tx hookedTx) GetSetting(ctx context.Context, name string) ([]byte, error) {
	v, err := tx.ReadWriter.GetSetting(ctx, name)
	tx.hook()
	return v, err
}
