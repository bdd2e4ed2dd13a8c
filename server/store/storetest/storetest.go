// Package storetest is the conformance suite of store.Store: every backend
// runs it from its own tests, so that all backends behave alike.
//
//	func TestConformance(t *testing.T) {
//		storetest.RunFactory(t, storetest.Factory{Open: open, Reopen: reopen})
//	}
//
// Every subtest opens its own empty store and runs in parallel with the
// others. Event sequences of a new store start at 1. Times in the fixtures have microsecond precision, the finest a
// PostgreSQL timestamp keeps; records are compared after normalising times
// to UTC and empty slices to nil.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/supportd/supportd/server/store"
)

// Factory makes the stores the suite runs against.
type Factory struct {
	// Open returns a new, empty store. It should register a cleanup that
	// closes the store; the suite closes some stores itself first, so that
	// cleanup must tolerate a store already closed.
	Open func(t *testing.T) store.Store
	// Reopen returns a new store over the same data as old, which the suite
	// has closed. A nil Reopen skips the persistence subtests.
	Reopen func(t *testing.T, old store.Store) store.Store
	// ConcurrentWriters says the store runs write transactions
	// concurrently (several replicas over one database): the suite then
	// also checks that a write transaction skips the rows another one
	// claimed, while that one is still open. Leave it false for a store
	// with one writer, whose write transactions cannot overlap.
	ConcurrentWriters bool
}

// Run runs the suite on stores made by open, without the subtests that
// need to reopen a store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	RunFactory(t, Factory{Open: open})
}

// RunFactory runs the whole suite on stores made by f.
func RunFactory(t *testing.T, f Factory) {
	t.Helper()
	if f.Open == nil {
		t.Fatal("storetest: Factory.Open is nil")
	}
	groups := []struct {
		name  string
		tests []subtest
	}{
		{"Directory", directoryTests},
		{"Tickets", ticketTests},
		{"Notes", noteTests},
		{"Events", eventTests},
		{"Tx", txTests},
		{"Lifecycle", lifecycleTests},
		{"Attachments", attachmentTests},
		{"Commits", commitTests},
		{"Claims", claimTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, st := range g.tests {
				t.Run(st.name, func(t *testing.T) {
					t.Parallel()
					if st.reopen && f.Reopen == nil {
						t.Skip("backend factory has no Reopen")
					}
					st.fn(t, f)
				})
			}
		})
	}
}

// subtest is one named test of the suite.
type subtest struct {
	name   string
	reopen bool // needs Factory.Reopen
	fn     func(t *testing.T, f Factory)
}

// errBoom is the error the suite's failing transactions return.
var errBoom = errors.New("storetest: boom")

// base is the suite's reference instant (microsecond precision, UTC).
var base = time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)

// at returns base plus d.
func at(d time.Duration) time.Time { return base.Add(d) }

func ctxT(t *testing.T) context.Context { return t.Context() }

// write runs fn in a write transaction and fails the test on error.
func write(t *testing.T, s store.Store, fn func(tx store.ReadWriter) error) {
	t.Helper()
	if err := s.ReadWriteTx(ctxT(t), fn); err != nil {
		t.Fatalf("ReadWriteTx: %v", err)
	}
}

// read runs fn in a read transaction and fails the test on error.
func read(t *testing.T, s store.Store, fn func(tx store.Reader) error) {
	t.Helper()
	if err := s.ReadTx(ctxT(t), fn); err != nil {
		t.Fatalf("ReadTx: %v", err)
	}
}

// wantErr fails the test unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

// noErr fails the test now if err is not nil.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
