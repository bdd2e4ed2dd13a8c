// Package pgtest runs a throwaway PostgreSQL cluster for the tests of one
// test binary: Main starts it (internal/pgcluster: initdb in a temporary
// directory, a free port, fsync off), NewDatabase gives each test a fresh
// database, and the cluster is stopped and deleted when the tests end.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// The PostgreSQL server binaries are found as pgcluster.FindBin says. When
// none is installed, the tests that ask for a database skip with a message
// saying so (CI installs them: see .ci/run).
package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/supportd/supportd/internal/pgcluster"
)

var (
	current    *pgcluster.Cluster
	skipReason = "pgtest.Main did not run: call it from TestMain"
	dbCounter  atomic.Int64
	stopped    atomic.Bool // by Stop, until Start
	createMu   sync.Mutex  // CREATE DATABASE copies template1: one at a time
)

// Main starts the cluster (when PostgreSQL is installed), runs the tests
// (m is a *testing.M, or a wrapper that runs it and checks more) and stops
// the cluster, then exits with the tests' status.
func Main(m interface{ Run() int }) {
	os.Exit(run(m))
}

func run(m interface{ Run() int }) int {
	bin, err := pgcluster.FindBin()
	if err != nil {
		skipReason = err.Error() + ": PostgreSQL tests skipped"
		return m.Run()
	}
	c, err := pgcluster.Start(bin, pgcluster.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: start PostgreSQL from %s: %v\n", bin, err)
		return 1
	}
	current, skipReason = c, ""
	code := m.Run()
	if err := c.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: stop PostgreSQL: %v\n", err)
	}
	return code
}

// Available reports whether a cluster runs, and why not.
func Available() (bool, string) {
	return current != nil, skipReason
}

// NewDatabase creates an empty database in the cluster and returns its
// URL (postgres://...); it skips t when PostgreSQL is not installed. The
// database is dropped with the cluster, when the test binary ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if current == nil {
		t.Skip(skipReason)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.Add(1))
	createMu.Lock()
	defer createMu.Unlock()
	url, err := current.CreateDatabase(context.Background(), name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return url
}

// Stop stops the cluster's server (fast shutdown: connections are cut,
// new ones refused) until Start: tests of an outage use it. The tests of
// the binary share the cluster, so a test that stops it must not run in
// parallel with others that use it. If the test ends without calling
// Start, its cleanup starts the server again.
func Stop(t testing.TB) {
	t.Helper()
	if current == nil {
		t.Skip(skipReason)
	}
	if err := current.StopServer(); err != nil {
		t.Fatalf("pgtest: stop: %v", err)
	}
	stopped.Store(true)
	t.Cleanup(func() {
		if stopped.Load() {
			Start(t)
		}
	})
}

// Start starts the server Stop stopped, on the same port with the same
// settings, and returns once it accepts connections.
func Start(t testing.TB) {
	t.Helper()
	if current == nil {
		t.Skip(skipReason)
	}
	if err := current.StartServer(); err != nil {
		t.Fatalf("pgtest: start: %v", err)
	}
	stopped.Store(false)
}

// Restart stops the cluster (fast shutdown: connections are cut) and
// starts it again on the same port: tests of reconnection use it.
func Restart(t testing.TB) {
	t.Helper()
	if current == nil {
		t.Skip(skipReason)
	}
	if err := current.Restart(); err != nil {
		t.Fatalf("pgtest: restart: %v", err)
	}
}
