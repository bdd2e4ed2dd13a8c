package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/storetest"
)

// openAt opens the store at path and closes it when the test ends.
func openAt(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open %s: %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	paths := map[store.Store]string{}
	storetest.RunFactory(t, storetest.Factory{
		Open: func(t *testing.T) store.Store {
			path := filepath.Join(t.TempDir(), "supportd.db")
			s := openAt(t, path, Options{})
			mu.Lock()
			paths[s] = path
			mu.Unlock()
			return s
		},
		Reopen: func(t *testing.T, old store.Store) store.Store {
			mu.Lock()
			path, ok := paths[old]
			mu.Unlock()
			if !ok {
				t.Fatal("Reopen of a store this factory did not open")
			}
			s := openAt(t, path, Options{})
			mu.Lock()
			paths[s] = path
			mu.Unlock()
			return s
		},
	})
}

// TestConformanceSmallBatches runs the suite with batches of at most two
// write transactions, so that batch boundaries fall everywhere.
func TestConformanceSmallBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		return openAt(t, filepath.Join(t.TempDir(), "supportd.db"), Options{MaxBatch: 2, Readers: 1})
	})
}

type migrationRow struct {
	version int
	name    string
	applied int64
}

// migrationRows reads schema_migrations straight from the file.
func migrationRows(t *testing.T, path string) []migrationRow {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT version, name, applied_time FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []migrationRow
	for rows.Next() {
		var r migrationRow
		if err := rows.Scan(&r.version, &r.name, &r.applied); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrationsFresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fresh.db")
	s := openAt(t, path, Options{})
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || SchemaVersion() != ms[len(ms)-1].Version {
		t.Fatalf("SchemaVersion %d, migrations %v", SchemaVersion(), ms)
	}
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Errorf("migration versions not increasing: %s after %s", m.Name, ms[i-1].Name)
		}
	}
	// Every table of the schema exists.
	var tables []string
	rows, err := s.readers.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	for _, want := range []string{"api_keys", "contracts", "customers", "events", "idempotency", "notes", "partners", "schema_migrations", "subscriptions", "tickets", "topics"} {
		if !strings.Contains(" "+strings.Join(tables, " ")+" ", " "+want+" ") {
			t.Errorf("table %s missing; have %v", want, tables)
		}
	}
	var mode string
	if err := s.readers.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
	noErr(t, s.Close())

	got := migrationRows(t, path)
	if len(got) != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d: %+v", len(got), len(ms), got)
	}
	for i, m := range ms {
		if got[i].version != m.Version || got[i].name != m.Name || got[i].applied == 0 {
			t.Errorf("schema_migrations row %d = %+v, want version %d name %s", i, got[i], m.Version, m.Name)
		}
	}
}

func TestMigrationsExistingDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "existing.db")
	s := openAt(t, path, Options{})
	ctx := t.Context()
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}); err != nil {
			return err
		}
		_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerCreated, PartnerID: "p1", Actor: "admin", Time: time.Now()})
		return err
	})
	noErr(t, err)
	noErr(t, s.Close())
	// Mark every applied migration with an applied_time no re-application
	// could write (the epoch), so that a re-applied one shows without
	// depending on the clock moving between the opens.
	db, err := sql.Open("sqlite3", "file:"+path)
	noErr(t, err)
	_, err = db.Exec(`UPDATE schema_migrations SET applied_time = 0`)
	noErr(t, err)
	noErr(t, db.Close())
	first := migrationRows(t, path)
	for range 2 {
		s = openAt(t, path, Options{})
		var p domain.Partner
		var last int64
		noErr(t, s.ReadTx(ctx, func(tx store.Reader) error {
			var err error
			if p, err = tx.GetPartner(ctx, "p1"); err != nil {
				return err
			}
			last, err = tx.LastSequence(ctx)
			return err
		}))
		if p.DisplayName != "P1" || last != 1 {
			t.Errorf("after reopen: partner %+v, last sequence %d", p, last)
		}
		noErr(t, s.Close())
		if again := migrationRows(t, path); fmt.Sprint(again) != fmt.Sprint(first) {
			t.Errorf("reopen changed schema_migrations:\n%+v\nthen\n%+v", first, again)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newer.db")
	s := openAt(t, path, Options{})
	noErr(t, s.Close())
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	newer := SchemaVersion() + 1
	if _, err := db.Exec(`INSERT INTO schema_migrations(version, name, applied_time) VALUES (?, ?, ?)`,
		newer, fmt.Sprintf("%04d_from_the_future.sql", newer), time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	noErr(t, db.Close())

	s2, err := Open(t.Context(), path, Options{})
	if err == nil {
		s2.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "newer") || !strings.Contains(msg, strconv.Itoa(newer)) || !strings.Contains(msg, strconv.Itoa(SchemaVersion())) {
		t.Errorf("error %q should say the schema %d is newer than %d", msg, newer, SchemaVersion())
	}
	ms, err := migrations()
	noErr(t, err)
	if rows := migrationRows(t, path); len(rows) != len(ms)+1 {
		t.Errorf("refused open changed schema_migrations: %+v", rows)
	}
}

// Commit notifications are checked by the conformance suite
// (storetest, "Commits").

func TestCancelledContext(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "cancel.db"), Options{})
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, c := range []struct {
		ctx  context.Context
		want error
	}{{cancelled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		for range 20 { // the writer may or may not have a free slot
			called := false
			err := s.ReadWriteTx(c.ctx, func(tx store.ReadWriter) error {
				called = true
				_, err := tx.AppendEvent(context.Background(), domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: time.Now()})
				return err
			})
			if !errors.Is(err, c.want) {
				t.Errorf("ReadWriteTx with done ctx = %v, want %v", err, c.want)
			}
			if called {
				t.Error("ReadWriteTx ran fn with a done ctx")
			}
		}
		err := s.ReadTx(c.ctx, func(tx store.Reader) error { return nil })
		if !errors.Is(err, c.want) {
			t.Errorf("ReadTx with done ctx = %v, want %v", err, c.want)
		}
	}
	var last int64
	noErr(t, s.ReadTx(t.Context(), func(tx store.Reader) (err error) { last, err = tx.LastSequence(t.Context()); return err }))
	if last != 0 {
		t.Errorf("cancelled transactions wrote %d events", last)
	}
	// The store still works.
	noErr(t, s.ReadWriteTx(t.Context(), func(tx store.ReadWriter) error {
		_, err := tx.AppendEvent(t.Context(), domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: time.Now()})
		return err
	}))
}

// TestGroupCommitBatch queues write transactions while the writer is busy,
// so that they run in one batch: a failing, a panicking and a cancelled
// member discard only their own writes; the others commit together.
func TestGroupCommitBatch(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "batch.db"), Options{})
	commits := s.SubscribeCommits()
	defer commits.Close()
	ctx := t.Context()
	appendEvent := func(tx store.ReadWriter, detail string) error {
		if err := tx.UpsertTopic(ctx, domain.Topic{ID: detail, Service: domain.ServiceAzure, Name: detail, Category: domain.CategoryTechnical}); err != nil {
			return err
		}
		_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: time.Now(), Detail: detail})
		return err
	}
	entered, release := make(chan struct{}), make(chan struct{})
	blocking := make(chan error, 1)
	go func() {
		blocking <- s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			close(entered)
			<-release // holds the writer while the others queue
			return appendEvent(tx, "first")
		})
	}()
	// waitQueued polls the request queue's length: the queue is a channel
	// and offers no signal when a request enters it. The poll is bounded
	// (5 s) and only waits for a condition; it asserts nothing by timing.
	waitQueued := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for len(s.reqs) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests queued, want %d", len(s.reqs), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// The writer is inside the blocking request: it has taken it from the
	// queue and holds the write connection until release.
	<-entered
	waitQueued(0)

	const members = 12
	kinds := map[int]string{3: "fail", 6: "panic", 9: "cancel"}
	results := make([]error, members)
	var wg sync.WaitGroup
	cancelCtx, cancel := context.WithCancel(ctx)
	for i := range members {
		detail := fmt.Sprintf("m-%02d", i)
		rctx := ctx
		if kinds[i] == "cancel" {
			rctx = cancelCtx
		}
		wg.Go(func() {
			results[i] = s.ReadWriteTx(rctx, func(tx store.ReadWriter) error {
				if err := appendEvent(tx, detail); err != nil {
					return err
				}
				switch kinds[i] {
				case "fail":
					return errors.New("member fails")
				case "panic":
					panic("member panics")
				}
				return nil
			})
		})
		waitQueued(i + 1) // queue in order
	}
	cancel() // queued, but cancelled before its fn runs
	close(release)
	wg.Wait()
	noErr(t, <-blocking)

	if c := len(commits.Take(nil)); c != 2 {
		t.Errorf("%d commits, want 2 (the blocking tx, then one batch)", c)
	}
	var evs []domain.Event
	noErr(t, s.ReadTx(ctx, func(tx store.Reader) (err error) {
		evs, err = tx.ListEvents(ctx, 0, store.EventFilter{}, 100)
		return err
	}))
	var details []string
	for i, e := range evs {
		if e.Sequence != int64(i+1) {
			t.Errorf("event %d has sequence %d", i, e.Sequence)
		}
		details = append(details, e.Detail)
	}
	want := []string{"first"}
	for i := range members {
		switch kinds[i] {
		case "":
			noErr(t, results[i])
			want = append(want, fmt.Sprintf("m-%02d", i))
		case "cancel":
			if !errors.Is(results[i], context.Canceled) {
				t.Errorf("cancelled member: %v", results[i])
			}
		default:
			if results[i] == nil {
				t.Errorf("%s member succeeded", kinds[i])
			}
		}
	}
	if fmt.Sprint(details) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", details, want)
	}
	noErr(t, s.ReadTx(ctx, func(tx store.Reader) error {
		for i, kind := range kinds {
			if _, err := tx.GetTopic(ctx, fmt.Sprintf("m-%02d", i)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s member's topic: %v, want ErrNotFound", kind, err)
			}
		}
		return nil
	}))
}

// TestErrorsMapped checks that driver errors reach callers as the store's
// sentinels with the driver message kept for logs.
func TestErrorsMapped(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "errors.db"), Options{})
	ctx := t.Context()
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.CreateCustomer(ctx, domain.Customer{ID: "c", PartnerID: "missing", Kind: domain.CustomerEndCustomer})
	})
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("FK violation = %v, want ErrNotFound with the driver message", err)
	}
}

// benchTicket is a new ticket for the benchmarks.
func benchTicket(id string) domain.Ticket {
	now := time.Unix(1_780_000_000, 0).UTC()
	return domain.Ticket{
		ID: id, PartnerID: "p1", CustomerID: "c1", Service: domain.ServiceAzure, SupportTopicID: "topic",
		Category: domain.CategoryTechnical, Title: "Cannot start VM", Description: strings.Repeat("details ", 40),
		Severity: domain.SeverityB, Language: "en-US",
		Contact:                domain.Contact{Name: "Ada", Email: "ada@p1.example"},
		PreferredContactMethod: domain.ContactEmail, Status: domain.StatusNew,
		SupportPlan: domain.PlanCloudSolutionProvider, Fee: domain.FeeBilled, Queue: domain.QueueAzure,
		SLAState: domain.SLARunning, ResponseDueTime: now.Add(2 * time.Hour), WarnTime: now.Add(time.Hour),
		CreateTime: now, UpdateTime: now, Version: 1,
	}
}

func benchStore(b *testing.B, opts Options) *Store {
	b.Helper()
	s := openAt(b, filepath.Join(b.TempDir(), "bench.db"), opts)
	ctx := context.Background()
	if err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}); err != nil {
			return err
		}
		return tx.CreateCustomer(ctx, domain.Customer{ID: "c1", PartnerID: "p1", DisplayName: "C1", Kind: domain.CustomerEndCustomer})
	}); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkReadWriteTxParallel measures group commit: every transaction
// creates a ticket and appends its event, durably (synchronous=FULL).
func BenchmarkReadWriteTxParallel(b *testing.B) {
	s := benchStore(b, Options{})
	var commits atomic.Int64
	sub := s.SubscribeCommits()
	stop := make(chan struct{})
	counted := make(chan struct{})
	go func() { // counts the batches that committed
		defer close(counted)
		var buf []store.Commit
		for {
			select {
			case <-stop:
				return
			case <-sub.Ready():
				buf = sub.Take(buf[:0])
				commits.Add(int64(len(buf)))
			}
		}
	}()
	defer sub.Close()
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(16) // 16 * GOMAXPROCS concurrent writers
	b.ResetTimer()
	commits.Store(0)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tk := benchTicket(fmt.Sprintf("tk-%09d", n.Add(1)))
			if err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
				if err := tx.CreateTicket(ctx, tk); err != nil {
					return err
				}
				_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventCreated, TicketID: tk.ID, PartnerID: tk.PartnerID,
					CustomerID: tk.CustomerID, Actor: "partner", Time: tk.CreateTime, Ticket: &tk})
				return err
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	close(stop)
	<-counted
	commits.Add(int64(len(sub.Take(nil))))
	if c := commits.Load(); c > 0 {
		b.ReportMetric(float64(b.N)/float64(c), "tx/commit")
	}
}

// BenchmarkGetTicket measures a read transaction fetching one ticket.
func BenchmarkGetTicket(b *testing.B) {
	s := benchStore(b, Options{})
	ctx := context.Background()
	const tickets = 1000
	if err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		for i := range tickets {
			if err := tx.CreateTicket(ctx, benchTicket(fmt.Sprintf("tk-%09d", i))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	get := func(i int) error {
		return s.ReadTx(ctx, func(tx store.Reader) error {
			_, err := tx.GetTicket(ctx, fmt.Sprintf("tk-%09d", i%tickets))
			return err
		})
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if err := get(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := get(int(n.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
