package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supportd/supportd/client"
	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/postgres"
)

// This file runs several `supportd serve --db postgres://...` replicas
// over one throwaway PostgreSQL database (internal/pgtest) for the
// end-to-end tests of replicas_e2e_test.go.

// replicaLimits lifts the per-key limits the tests' few keys would reach
// (they test consistency across replicas, not fairness), and makes
// checkpoints frequent so that resume tokens move between events too.
const replicaLimits = `limits:
  requests_per_second: 1000000
  burst: 1000000
  watch_streams_per_key: 1000
  watch_streams_per_partner: 1000
watch:
  checkpoint_interval: 100ms
`

var demoKeyPattern = regexp.MustCompile(`^\s*(admin|agent|partner):\s+(sk_\S+)`)

// replica is one running (or killed) `supportd serve`.
type replica struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}
	mu     sync.Mutex
	out    strings.Builder // stdout and stderr, for failure messages
}

func (r *replica) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// replicaSet is N replicas over one database, with the demo directory
// seeded by the first and its keys.
type replicaSet struct {
	t        *testing.T
	bin, db  string
	config   string
	replicas []*replica
	keys     map[string]string // role -> demo key secret
	st       *postgres.Store   // the test's own view of the database
}

// startReplicas starts n replicas at once on a new database (as a
// deployment may: no replica runs first, each applies the migrations at
// start), the first with --demo. extraConfig is appended to the
// configuration file (YAML).
func startReplicas(t *testing.T, n int, extraConfig string) *replicaSet {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs several supportd over PostgreSQL: skipped with -short")
	}
	db := pgtest.NewDatabase(t)
	bin := buildSupportd(t)
	cfg := filepath.Join(t.TempDir(), "supportd.yaml")
	if err := os.WriteFile(cfg, []byte(replicaLimits+extraConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &replicaSet{t: t, bin: bin, db: db, config: cfg, replicas: make([]*replica, n), keys: map[string]string{}}
	type started struct {
		i    int
		r    *replica
		keys map[string]string
		err  error
	}
	results := make(chan started, n)
	for i := range n {
		go func() {
			r, keys, err := s.launch(i == 0, "127.0.0.1:0")
			results <- started{i, r, keys, err}
		}()
	}
	var errs []string
	for range n {
		res := <-results
		if res.err != nil {
			errs = append(errs, res.err.Error())
			continue
		}
		s.replicas[res.i] = res.r
		for role, k := range res.keys {
			s.keys[role] = k
		}
	}
	if len(errs) > 0 {
		t.Fatalf("starting replicas:\n%s", strings.Join(errs, "\n"))
	}
	st, err := postgres.Open(t.Context(), db, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s.st = st
	return s
}

// launch starts one replica listening on listen and returns once it
// serves (and, with demo, printed the demo keys). The process is killed
// at the test's end.
func (s *replicaSet) launch(demo bool, listen string) (*replica, map[string]string, error) {
	args := []string{"serve", "--http-listen", "", "--listen", listen, "--db", s.db,
		"--metrics-listen", "", "--grace-period", "5s", "--config", s.config}
	if demo {
		args = append(args, "--demo")
	}
	cmd := exec.Command(s.bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	r := &replica{cmd: cmd, exited: make(chan struct{})}
	addrc := make(chan string, 1)
	keyc := make(chan [2]string, 3)
	var scans sync.WaitGroup
	scan := func(in io.Reader) {
		defer scans.Done()
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.out.WriteString(line + "\n")
			r.mu.Unlock()
			if m := addrPattern.FindStringSubmatch(line); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
			if m := demoKeyPattern.FindStringSubmatch(line); m != nil {
				select {
				case keyc <- [2]string{m[1], m[2]}:
				default:
				}
			}
		}
	}
	scans.Add(2)
	go scan(stdout)
	go scan(stderr)
	go func() {
		scans.Wait() // Wait must not run before the pipes are drained
		_ = cmd.Wait()
		close(r.exited)
	}()
	s.t.Cleanup(func() { r.kill() })
	// The keys are printed (on stdout) before the address is logged (on
	// stderr), but the two pipes are read apart.
	timeout := time.After(60 * time.Second)
	select {
	case r.addr = <-addrc:
	case <-r.exited:
		return nil, nil, fmt.Errorf("supportd exited before serving:\n%s", r.output())
	case <-timeout:
		r.kill()
		return nil, nil, fmt.Errorf("supportd did not log its address:\n%s", r.output())
	}
	keys := map[string]string{}
	for demo && len(keys) < 3 {
		select {
		case k := <-keyc:
			keys[k[0]] = k[1]
		case <-timeout:
			r.kill()
			return nil, nil, fmt.Errorf("supportd --demo served without printing its three keys:\n%s", r.output())
		}
	}
	return r, keys, nil
}

// kill sends SIGKILL (kill -9) and waits for the process to end.
func (r *replica) kill() {
	select {
	case <-r.exited:
	default:
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		<-r.exited
	}
}

// restart starts replica i again (after a kill) on its address, where
// its clients reconnect.
func (s *replicaSet) restart(i int) {
	s.t.Helper()
	r, _, err := s.launch(false, s.replicas[i].addr)
	if err != nil {
		s.t.Fatalf("restart replica %d: %v", i, err)
	}
	s.replicas[i] = r
}

// options are the client options of role's demo key: plaintext loopback,
// no automatic retries (the tests decide what is retried, and where).
func (s *replicaSet) options(role string) []client.Option {
	return []client.Option{client.WithAPIKey(s.keys[role]), client.WithInsecure(), client.WithRetry(1, 0, 0),
		client.WithWatchBackoff(20*time.Millisecond, 200*time.Millisecond)}
}

// partner returns a partner client of replica i (closed at the test's end).
func (s *replicaSet) partner(i int) *client.Client {
	s.t.Helper()
	c, err := client.New(s.replicas[i].addr, s.options("partner")...)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}

// agent returns an agent client of replica i.
func (s *replicaSet) agent(i int) *client.Agent {
	s.t.Helper()
	a, err := client.NewAgent(s.replicas[i].addr, s.options("agent")...)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { a.Close() })
	return a
}

// directory returns an admin client of replica i.
func (s *replicaSet) directory(i int) *client.Directory {
	s.t.Helper()
	d, err := client.NewDirectory(s.replicas[i].addr, s.options("admin")...)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { d.Close() })
	return d
}

// lastSequence is the highest committed event sequence, read from the
// database.
func (s *replicaSet) lastSequence() int64 {
	s.t.Helper()
	var last int64
	err := s.read(func(tx store.Reader) (err error) {
		last, err = tx.LastSequence(s.t.Context())
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return last
}

// events returns the committed events with a sequence above after, read
// from the database, and fails the test unless their sequences are
// consecutive.
func (s *replicaSet) events(after int64) []domain.Event {
	s.t.Helper()
	var out []domain.Event
	err := s.read(func(tx store.Reader) error {
		out = nil // a retried transaction reads again from the start
		at := after
		for {
			page, err := tx.ListEvents(s.t.Context(), at, store.EventFilter{}, 1000)
			if err != nil || len(page) == 0 {
				return err
			}
			for _, e := range page {
				if e.Sequence != at+1 {
					return fmt.Errorf("event log gap: sequence %d follows %d", e.Sequence, at)
				}
				at = e.Sequence
			}
			out = append(out, page...)
		}
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// read runs fn in a read transaction of the test's own store, again
// while the store is unavailable (its connections were cut by a restart
// of PostgreSQL), at most ten times.
func (s *replicaSet) read(fn func(tx store.Reader) error) error {
	for attempt := 1; ; attempt++ {
		err := s.st.ReadTx(s.t.Context(), fn)
		if !errors.Is(err, store.ErrUnavailable) || attempt == 10 {
			return err
		}
	}
}

// logs returns the output of every replica, for failure messages.
func (s *replicaSet) logs() string {
	var b strings.Builder
	for i, r := range s.replicas {
		fmt.Fprintf(&b, "--- replica %d (%s):\n%s", i, r.addr, r.output())
	}
	return b.String()
}
