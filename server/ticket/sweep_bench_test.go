package ticket_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
	"github.com/supportd/supportd/server/ticket"
)

// The sweep benchmark's database: open tickets (a million, and ten
// thousand for comparison), of which sweepDue are due at sweepNow.
// Building the big one takes a while, so each is cached in os.TempDir()
// under a name carrying sweepDBVersion (bump it when the schema or the
// data set changes) and its size.
const (
	sweepDBVersion = "v1"
	sweepDue       = 1_000
	sweepTxSize    = 25_000
	// sweepBatch is app.sweepBatch, the batch size the server uses.
	sweepBatch = 500
)

var sweepNow = time.Date(2026, time.March, 2, 12, 0, 0, 0, time.UTC)

func dueID(i int) string { return fmt.Sprintf("due-%07d", i) }

// sweepTicket is ticket i of the data set: the first sweepDue are due at
// sweepNow (their warning passed ten minutes ago, one SLA_WARNING each);
// of the others, one in five has had its first response (no pending stage)
// and the rest run with a warning still ahead (in the due index, not due).
func sweepTicket(i int) domain.Ticket {
	t := domain.Ticket{
		PartnerID: "p1", CustomerID: "c1", Service: domain.ServiceAzure, SupportTopicID: "azure-vm-connectivity",
		Category: domain.CategoryTechnical, Title: "Cannot reach VM", Description: strings.Repeat("details ", 40),
		Language: "en", Contact: domain.Contact{Name: "Ada", Email: "ada@p1.example"}, PreferredContactMethod: domain.ContactEmail,
		Status: domain.StatusNew, SupportPlan: domain.PlanCloudSolutionProvider, Fee: domain.FeeBilled, Queue: domain.QueueAzure,
		SLAState: domain.SLARunning, Version: 1,
	}
	var created time.Time
	switch {
	case i < sweepDue:
		t.ID, t.Severity, t.Priority, t.ResponseTarget = dueID(i), domain.SeverityA, true, 2*time.Hour
		created = sweepNow.Add(-100 * time.Minute) // warning 10 min ago, due in 20 min
	default:
		t.ID, t.Severity, t.ResponseTarget = fmt.Sprintf("open-%07d", i), domain.SeverityC, 8*time.Hour
		created = sweepNow.Add(-time.Duration(i%(5*3600)) * time.Second) // up to 5 h ago: warning (6 h) ahead
		if i%5 == 0 {
			t.Status, t.SLAState, t.FirstResponseTime = domain.StatusInProgress, domain.SLAMet, created.Add(time.Minute)
		}
	}
	t.CreateTime, t.UpdateTime = created, created
	t.ResponseDueTime = created.Add(t.ResponseTarget)
	t.WarnTime = created.Add(t.ResponseTarget * 3 / 4)
	return t
}

// sweepDB returns the path of the cached benchmark database with open
// tickets, building it first if needed.
func sweepDB(b *testing.B, open int) string {
	b.Helper()
	name := "supportd-bench-sweep-" + sweepDBVersion + ".db"
	if open != 1_000_000 {
		name = fmt.Sprintf("supportd-bench-sweep-%s-%d.db", sweepDBVersion, open)
	}
	path := filepath.Join(os.TempDir(), name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("building %s (%d tickets), cached for later runs", path, open)
	start := time.Now()
	tmp := path + ".building"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(tmp + suffix)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, tmp, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	err = st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive, VerifiedDomains: []string{"p1.example"}}); err != nil {
			return err
		}
		return tx.CreateCustomer(ctx, domain.Customer{ID: "c1", PartnerID: "p1", DisplayName: "C1", Kind: domain.CustomerEndCustomer})
	})
	for lo := 0; err == nil && lo < open; lo += sweepTxSize {
		err = st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			for i := lo; i < min(lo+sweepTxSize, open); i++ {
				if err := tx.CreateTicket(ctx, sweepTicket(i)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatalf("building the sweep database: %v", err)
	}
	// The main file last: its presence means the cache is complete.
	for _, suffix := range []string{"-wal", "-shm", ""} {
		if err := os.Rename(tmp+suffix, path+suffix); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	b.Logf("built in %v", time.Since(start).Round(time.Second))
	return path
}

// resetDue puts the due tickets back in their pre-sweep state (RUNNING,
// warning not given) through ordinary versioned updates.
func resetDue(b *testing.B, st store.Store) {
	b.Helper()
	ctx := context.Background()
	err := st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		for i := range sweepDue {
			t, err := tx.GetTicket(ctx, dueID(i))
			if err != nil {
				return err
			}
			if t.SLAState == domain.SLARunning {
				continue
			}
			t.SLAState = domain.SLARunning
			t.Version++
			if err := tx.UpdateTicket(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("reset the due tickets: %v", err)
	}
}

// BenchmarkSweep times one escalation sweep (ticket.Service.Sweep with the
// server's batch size) over a database of 1,000,000 open tickets of which
// 1,000 are due: each op finds the due tickets through the index, advances
// them and writes their events, committed durably. Between ops (timer
// stopped) the due tickets are put back. The same sweep over 10,000 open
// tickets shows that the cost follows the due tickets, not the open ones.
// Skipped under -short.
func BenchmarkSweep(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 1,000,000-ticket database; skipped under -short")
	}
	for _, open := range []int{1_000_000, 10_000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) { benchSweep(b, open) })
	}
}

func benchSweep(b *testing.B, open int) {
	path := sweepDB(b, open)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	policy, err := config.Default().Policy()
	if err != nil {
		b.Fatal(err)
	}
	svc := ticket.New(st, policy, func() time.Time { return sweepNow })
	for b.Loop() {
		b.StopTimer()
		resetDue(b, st)
		b.StartTimer()
		n, err := svc.Sweep(ctx, sweepBatch)
		if err != nil {
			b.Fatal(err)
		}
		if n != sweepDue {
			b.Fatalf("Sweep changed %d tickets, want %d", n, sweepDue)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/sweepDue, "ns/due-ticket")
}
