package postgres

import (
	"context"
	"sync"
	"testing"

	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openURL opens a store on url and closes it when the test ends.
func openURL(t testing.TB, url string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	urls := map[store.Store]string{}
	remember := func(s store.Store, url string) store.Store {
		mu.Lock()
		defer mu.Unlock()
		urls[s] = url
		return s
	}
	storetest.RunFactory(t, storetest.Factory{
		ConcurrentWriters: true,
		Open: func(t *testing.T) store.Store {
			url := pgtest.NewDatabase(t)
			return remember(openURL(t, url, Options{MaxConns: 8}), url)
		},
		Reopen: func(t *testing.T, old store.Store) store.Store {
			mu.Lock()
			url, ok := urls[old]
			mu.Unlock()
			if !ok {
				t.Fatal("Reopen of a store this factory did not open")
			}
			return remember(openURL(t, url, Options{MaxConns: 8}), url)
		},
	})
}
