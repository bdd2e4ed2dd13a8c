package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// dirFixture opens a store with partners p1 and p2, each with a customer
// (c1, c2), a subscription and a contract.
func dirFixture(t *testing.T) (*Store, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir.db")
	s := openAt(t, path, Options{})
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		for _, n := range []string{"1", "2"} {
			if err := tx.CreatePartner(ctx, domain.Partner{ID: "p" + n, DisplayName: "P" + n, Status: domain.PartnerActive,
				VerifiedDomains: []string{"p" + n + ".example"}}); err != nil {
				return err
			}
			if err := tx.CreateCustomer(ctx, domain.Customer{ID: "c" + n, PartnerID: "p" + n, DisplayName: "C" + n,
				Kind: domain.CustomerEndCustomer, Domains: []string{"c" + n + ".example"}}); err != nil {
				return err
			}
			if err := tx.CreateSubscription(ctx, domain.Subscription{ID: "s" + n, CustomerID: "c" + n, Service: domain.ServiceAzure,
				State: domain.SubscriptionActive}); err != nil {
				return err
			}
			if err := tx.CreateContract(ctx, domain.Contract{ID: "k" + n, PartnerID: "p" + n, Kind: domain.ProofPremier,
				Reference: "ref-" + n}); err != nil {
				return err
			}
		}
		return nil
	}))
	return s, path
}

// filingReads is what a filing reads of the directory, in a read
// transaction whose snapshot an idempotency lookup began, as
// ticket.Service.Create does.
type filingReads struct {
	partner   domain.Partner
	customer  domain.Customer
	subs      []domain.Subscription
	contracts []domain.Contract
	topic     domain.Topic
}

func readFiling(ctx context.Context, tx store.Reader, partnerID, customerID string) (filingReads, error) {
	var r filingReads
	var err error
	if _, err = tx.GetIdempotency(ctx, partnerID, "none"); err != nil && !isNotFound(err) {
		return r, err
	}
	if r.partner, err = tx.GetPartner(ctx, partnerID); err != nil {
		return r, err
	}
	if r.customer, err = tx.GetCustomer(ctx, customerID); err != nil {
		return r, err
	}
	if r.subs, err = tx.ListSubscriptions(ctx, customerID); err != nil {
		return r, err
	}
	if r.contracts, err = tx.ListContracts(ctx, partnerID); err != nil {
		return r, err
	}
	r.topic, err = tx.GetTopic(ctx, "azure-vm-connectivity")
	return r, err
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, store.ErrNotFound) }

func readFilingTx(t *testing.T, s *Store, partnerID, customerID string) filingReads {
	t.Helper()
	var r filingReads
	noErr(t, s.ReadTx(context.Background(), func(tx store.Reader) error {
		var err error
		r, err = readFiling(context.Background(), tx, partnerID, customerID)
		return err
	}))
	return r
}

// outOfBand changes a partner's display name behind the store's back (no
// writer, so no invalidation): what a read returns afterwards tells
// whether it came from the cache.
func outOfBand(t *testing.T, path, partnerID, name string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	noErr(t, err)
	defer db.Close()
	_, err = db.Exec(`UPDATE partners SET display_name = ? WHERE id = ?`, name, partnerID)
	noErr(t, err)
}

func TestDirectoryCacheServesRepeatedFilingReads(t *testing.T) {
	s, path := dirFixture(t)
	first := readFilingTx(t, s, "p1", "c1")
	outOfBand(t, path, "p1", "changed out of band")
	again := readFilingTx(t, s, "p1", "c1")
	if again.partner.DisplayName != "P1" {
		t.Fatalf("second read of partner p1 did not come from the cache: %q", again.partner.DisplayName)
	}
	if first.customer.ID != "c1" || len(first.subs) != 1 || len(first.contracts) != 1 || first.topic.ID != "azure-vm-connectivity" {
		t.Fatalf("first read: %+v", first)
	}
	if !equalFiling(first, again) {
		t.Fatalf("cached reads differ:\n%+v\n%+v", first, again)
	}
}

func equalFiling(a, b filingReads) bool {
	return a.partner.ID == b.partner.ID && a.partner.DisplayName == b.partner.DisplayName &&
		slices.Equal(a.partner.VerifiedDomains, b.partner.VerifiedDomains) &&
		a.customer.ID == b.customer.ID && slices.Equal(a.customer.Domains, b.customer.Domains) &&
		slices.Equal(a.subs, b.subs) && slices.Equal(a.contracts, b.contracts) && a.topic == b.topic
}

func TestDirectoryCacheNeedsAnEstablishedSnapshot(t *testing.T) {
	s, path := dirFixture(t)
	readFilingTx(t, s, "p1", "c1")
	outOfBand(t, path, "p1", "changed out of band")
	// GetPartner as the transaction's first statement reads the table: it
	// takes the snapshot.
	noErr(t, s.ReadTx(context.Background(), func(tx store.Reader) error {
		p, err := tx.GetPartner(context.Background(), "p1")
		if err == nil && p.DisplayName != "changed out of band" {
			err = fmt.Errorf("first statement served from the cache: %q", p.DisplayName)
		}
		return err
	}))
}

func TestDirectoryCacheInvalidatedByCommit(t *testing.T) {
	ctx := context.Background()
	s, _ := dirFixture(t)
	readFilingTx(t, s, "p1", "c1")
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		p := domain.Partner{ID: "p1", DisplayName: "renamed", Status: domain.PartnerActive, VerifiedDomains: []string{"new.example"}}
		if err := tx.UpdatePartner(ctx, p); err != nil {
			return err
		}
		if err := tx.UpdateSubscription(ctx, domain.Subscription{ID: "s1", State: domain.SubscriptionSuspended}); err != nil {
			return err
		}
		return tx.CreateContract(ctx, domain.Contract{ID: "k1b", PartnerID: "p1", Kind: domain.ProofMPN, Reference: "ref-1b"})
	}))
	got := readFilingTx(t, s, "p1", "c1")
	if got.partner.DisplayName != "renamed" || !slices.Equal(got.partner.VerifiedDomains, []string{"new.example"}) {
		t.Fatalf("partner after commit: %+v", got.partner)
	}
	if len(got.subs) != 1 || got.subs[0].State != domain.SubscriptionSuspended {
		t.Fatalf("subscriptions after commit: %+v", got.subs)
	}
	if len(got.contracts) != 2 {
		t.Fatalf("contracts after commit: %+v", got.contracts)
	}
	if g := s.dir.gen.Load(); g&1 != 0 {
		t.Fatalf("gen %d is odd after the write transaction ended", g)
	}
}

func TestDirectoryCacheNotInvalidatedByTicketWrites(t *testing.T) {
	ctx := context.Background()
	s, path := dirFixture(t)
	readFilingTx(t, s, "p1", "c1")
	before := s.dir.gen.Load()
	tk := benchTicket("tk-1")
	tk.PartnerID, tk.CustomerID = "p1", "c1"
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.PutIdempotency(ctx, store.Idempotency{PartnerID: "p1", RequestID: "r1", RequestHash: []byte{1}, TicketID: tk.ID}); err != nil {
			return err
		}
		if err := tx.CreateTicket(ctx, tk); err != nil {
			return err
		}
		_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventCreated, TicketID: tk.ID, PartnerID: "p1", CustomerID: "c1", Ticket: &tk})
		return err
	}))
	if after := s.dir.gen.Load(); after != before {
		t.Fatalf("filing a ticket moved gen from %d to %d", before, after)
	}
	outOfBand(t, path, "p1", "changed out of band")
	if got := readFilingTx(t, s, "p1", "c1"); got.partner.DisplayName != "P1" {
		t.Fatalf("cache dropped by a ticket write: %q", got.partner.DisplayName)
	}
}

// A read transaction whose snapshot began before a directory commit reads
// the old record; it must neither be served the new one nor leave the old
// one behind for transactions begun after the commit.
func TestDirectoryCacheAcrossConcurrentCommit(t *testing.T) {
	ctx := context.Background()
	s, _ := dirFixture(t)
	readFilingTx(t, s, "p1", "c1") // cached at the first gen
	var old, fresh domain.Partner
	noErr(t, s.ReadTx(ctx, func(tx store.Reader) error {
		if _, err := tx.GetTicket(ctx, "none"); !isNotFound(err) { // takes the snapshot
			return fmt.Errorf("GetTicket: %v", err)
		}
		if err := s.ReadWriteTx(ctx, func(w store.ReadWriter) error {
			return w.UpdatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "renamed", Status: domain.PartnerActive})
		}); err != nil {
			return err
		}
		// Read after the commit, in the snapshot from before it.
		var err error
		old, err = tx.GetPartner(ctx, "p1")
		if err != nil {
			return err
		}
		fresh = readFilingTx(t, s, "p1", "c1").partner
		return nil
	}))
	if old.DisplayName != "P1" {
		t.Fatalf("old snapshot read %q", old.DisplayName)
	}
	if fresh.DisplayName != "renamed" {
		t.Fatalf("new snapshot read %q", fresh.DisplayName)
	}
	if got := readFilingTx(t, s, "p1", "c1").partner; got.DisplayName != "renamed" {
		t.Fatalf("after the old transaction ended: %q", got.DisplayName)
	}
}

// While a write transaction that wrote the directory is open, readers
// read the committed rows and keep nothing.
func TestDirectoryCacheDuringDirectoryWrite(t *testing.T) {
	ctx := context.Background()
	s, path := dirFixture(t)
	readFilingTx(t, s, "p1", "c1")
	noErr(t, s.ReadWriteTx(ctx, func(w store.ReadWriter) error {
		if err := w.UpdatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "uncommitted", Status: domain.PartnerActive}); err != nil {
			return err
		}
		if g := s.dir.gen.Load(); g&1 != 1 {
			return fmt.Errorf("gen %d is even while a directory write is open", g)
		}
		committed := "P1"
		if got := readFilingTx(t, s, "p1", "c1").partner; got.DisplayName != committed {
			return fmt.Errorf("read during the write: %q", got.DisplayName)
		}
		return nil
	}))
	outOfBand(t, path, "p1", "changed out of band")
	if got := readFilingTx(t, s, "p1", "c1").partner; got.DisplayName != "changed out of band" {
		t.Fatalf("a read made while the write was open was kept: %q", got.DisplayName)
	}
}

func TestDirectoryCacheTenantIsolation(t *testing.T) {
	s, _ := dirFixture(t)
	for range 2 { // the second round is served from the cache
		for _, n := range []string{"1", "2"} {
			got := readFilingTx(t, s, "p"+n, "c"+n)
			if got.partner.ID != "p"+n || got.customer.ID != "c"+n || got.customer.PartnerID != "p"+n {
				t.Fatalf("partner %s: %+v %+v", n, got.partner, got.customer)
			}
			if len(got.subs) != 1 || got.subs[0].CustomerID != "c"+n {
				t.Fatalf("partner %s subscriptions: %+v", n, got.subs)
			}
			if len(got.contracts) != 1 || got.contracts[0].PartnerID != "p"+n || got.contracts[0].Reference != "ref-"+n {
				t.Fatalf("partner %s contracts: %+v", n, got.contracts)
			}
		}
	}
}

func TestDirectoryCacheReturnsCopies(t *testing.T) {
	s, _ := dirFixture(t)
	for range 2 {
		got := readFilingTx(t, s, "p1", "c1")
		got.partner.VerifiedDomains[0] = "caller.example"
		got.customer.Domains[0] = "caller.example"
		got.subs[0].State = "caller"
		got.contracts[0].Reference = "caller"
	}
	got := readFilingTx(t, s, "p1", "c1")
	if got.partner.VerifiedDomains[0] != "p1.example" || got.customer.Domains[0] != "c1.example" ||
		got.subs[0].State != domain.SubscriptionActive || got.contracts[0].Reference != "ref-1" {
		t.Fatalf("a caller's change reached the cache: %+v", got)
	}
}

func TestDirectoryCacheBounded(t *testing.T) {
	if c := newDirCache(0); c.max != DefaultDirectoryCacheSize {
		t.Fatalf("an unset size keeps %d, want the default %d", c.max, DefaultDirectoryCacheSize)
	}
	const size = 100
	c := newDirCache(size)
	for i := range size + 10 {
		dirTopics.put(c, 0, fmt.Sprint(i), domain.Topic{ID: fmt.Sprint(i)})
	}
	if n := len(c.topics); n != size {
		t.Fatalf("%d topics kept, want %d", n, size)
	}
	// Odd or older gens are never kept or served.
	dirTopics.put(c, 1, "odd", domain.Topic{})
	c.gen.Store(2)
	dirTopics.put(c, 2, "new", domain.Topic{ID: "new"})
	dirTopics.put(c, 0, "old", domain.Topic{})
	if _, ok := c.topics["odd"]; ok {
		t.Fatal("odd gen kept")
	}
	if _, ok := c.topics["old"]; ok {
		t.Fatal("older gen kept")
	}
	if _, ok := dirTopics.get(c, 0, "new"); ok {
		t.Fatal("entry of gen 2 served at gen 0")
	}
	if got, ok := dirTopics.get(c, 2, "new"); !ok || got.ID != "new" {
		t.Fatalf("entry of gen 2: %+v %v", got, ok)
	}
}

// Readers compare the cached partner with the row read straight from the
// table in the same transaction while a writer renames it: they must
// always agree (run with -race).
func TestDirectoryCacheConsistentUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := dirFixture(t)
	const renames = 40
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	done := make(chan struct{})
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				err := s.ReadTx(ctx, func(tx store.Reader) error {
					v := tx.(*txView)
					var name string
					if err := v.row(`SELECT display_name FROM partners WHERE id = 'p1'`).Scan(&name); err != nil {
						return err
					}
					p, err := tx.GetPartner(ctx, "p1")
					if err == nil && p.DisplayName != name {
						err = fmt.Errorf("cached %q, table %q in the same snapshot", p.DisplayName, name)
					}
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range renames {
		noErr(t, s.ReadWriteTx(ctx, func(w store.ReadWriter) error {
			return w.UpdatePartner(ctx, domain.Partner{ID: "p1", DisplayName: fmt.Sprint("name ", i), Status: domain.PartnerActive})
		}))
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestWritesDirectory(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{"INSERT INTO partners(id) VALUES (?)", true},
		{"\n\t\tUPDATE subscriptions SET state = ? WHERE id = ?", true},
		{"DELETE FROM customers WHERE id = ?", true},
		{"INSERT INTO topics(id, service) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET service = excluded.service", true},
		{"INSERT INTO contracts (id) VALUES (?)", true},
		{"INSERT INTO tickets(id, partner_id) VALUES (?, ?)", false},
		{"UPDATE tickets SET partner_id = ? WHERE id = ?", false},
		{"INSERT INTO events(time, type) VALUES (?, ?)", false},
		{"INSERT INTO idempotency(partner_id) VALUES (?)", false},
		{"DELETE FROM idempotency WHERE create_time < ?", false},
		{"SELECT id FROM partners", false},
		{"INSERT OR REPLACE INTO partners(id) VALUES (?)", true}, // not understood: fail safe
		{"WITH x AS (SELECT 1) UPDATE tickets SET status = ?", true},
		{"UPDATE subscriptions\n\t\tSET state = ? WHERE id = ?", true},
		{"UPDATE partners\tSET status = ?", true},
		{"INSERT INTO tickets\n(id) VALUES (?)", false},
		{`UPDATE "partners" SET status = ?`, true},    // quoted: fail safe
		{"UPDATE main.partners SET status = ?", true}, // qualified: fail safe
	} {
		if got := writesDirectory(tc.query); got != tc.want {
			t.Errorf("writesDirectory(%q) = %v, want %v", tc.query, got, tc.want)
		}
	}
}

// nonDirectoryTables are the tables whose writes leave the directory cache
// alone. A new table must be added here or to directoryTables.
var nonDirectoryTables = []string{
	"api_keys", "attachment_chunks", "attachment_uploads", "attachments", "audit_events", "events",
	"idempotency", "notes", "schema_migrations", "settings", "sqlite_sequence", "tickets",
}

func TestEveryTableClassifiedForTheDirectoryCache(t *testing.T) {
	s, _ := dirFixture(t)
	noErr(t, s.ReadTx(context.Background(), func(tx store.Reader) error {
		rows, err := tx.(*txView).query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			if !directoryTables[name] && !slices.Contains(nonDirectoryTables, name) {
				t.Errorf("table %s is in neither directoryTables nor nonDirectoryTables: does it hold what a filing reads from the directory cache?", name)
			}
		}
		return rows.Err()
	}))
}
