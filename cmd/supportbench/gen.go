package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/demo"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
	"github.com/supportd/supportd/server/ticket"
)

// generatorVersion changes when the generated content changes: it is part
// of the cache key with the schema version and the ticket count.
const generatorVersion = 1

// genBatch is how many tickets one ReadWriteTx writes.
const genBatch = 20000

// bigDB returns a database with the demo directory and n tickets of the
// demo partner, and the demo partner key. It is generated once and cached
// under os.TempDir(), keyed by schema version, generator version and n;
// supportd runs on it in place (it only adds settings and its WAL; the
// tickets it lists are not changed).
func bigDB(ctx context.Context, n int) (path, key string, took time.Duration, cached bool, err error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("supportbench-schema%d-gen%d-%d", sqlite.SchemaVersion(), generatorVersion, n))
	db, keyFile := filepath.Join(dir, "tickets.db"), filepath.Join(dir, "partner.key")
	if b, err := os.ReadFile(keyFile); err == nil { // written last: the cache is complete
		key = strings.TrimSpace(string(b))
		cached = true
	} else {
		start := time.Now()
		if err := os.RemoveAll(dir); err != nil {
			return "", "", 0, false, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", 0, false, err
		}
		if key, err = generate(ctx, db, n); err != nil {
			return "", "", 0, false, fmt.Errorf("generate %d tickets: %w", n, err)
		}
		took = time.Since(start)
		if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
			return "", "", 0, false, err
		}
	}
	return db, key, took, cached, nil
}

// generate writes the demo directory and n closed tickets straight
// through the SQLite store in large transactions. The first ticket is
// filed through the ticket service so that every generated ticket has a
// real ticket's shape.
func generate(ctx context.Context, path string, n int) (string, error) {
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return "", err
	}
	defer st.Close()
	keys, err := demo.Seed(ctx, directory.New(st, time.Now, nil, api.AuditJSON))
	if err != nil {
		return "", err
	}
	policy, err := config.Default().Policy()
	if err != nil {
		return "", err
	}
	tmpl, err := ticket.New(st, policy, time.Now).Create(ctx, demo.PartnerID, "bench", ticket.Filing{
		RequestID: uuid.NewString(), CustomerID: "litware", Service: domain.ServiceAzure,
		SupportTopicID: "azure-vm-connectivity", Severity: domain.SeverityB, Language: "en-US",
		Title: "VM unreachable", Description: "RDP to the production VMs times out since 10:00; the NSG rules did not change.",
		Contact: domain.Contact{Name: "Ann Smith", Email: "ann@adatum.example"},
	})
	if err != nil {
		return "", err
	}
	base := time.Now().Add(-365 * 24 * time.Hour).UTC()
	step := 365 * 24 * time.Hour / time.Duration(n)
	for done := 1; done < n; {
		m := min(genBatch, n-done)
		err := st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			for i := range m {
				k := done + i
				t := tmpl
				created := base.Add(time.Duration(k) * step)
				t.ID = uuid.Must(uuid.NewV7()).String()
				t.Title = fmt.Sprintf("Generated ticket %d", k)
				t.CreateTime, t.UpdateTime = created, created.Add(2*time.Hour)
				t.ResponseDueTime, t.WarnTime = created.Add(4*time.Hour), created.Add(3*time.Hour)
				t.FirstResponseTime = created.Add(time.Hour)
				t.Status, t.SLAState = domain.StatusClosed, domain.SLAMet
				t.NoteCount = 1
				t.Version = 1
				if err := tx.CreateTicket(ctx, t); err != nil {
					return err
				}
				if err := tx.AddNote(ctx, domain.Note{ID: 1, TicketID: t.ID, Author: "agent:bench",
					Text: "Fixed the route table; closing.", CreateTime: created.Add(2 * time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		done += m
	}
	return keys.Partner, nil
}
