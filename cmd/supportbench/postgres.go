package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/benchkit"
	"github.com/supportd/supportd/internal/pgcluster"
)

// The PostgreSQL loads: GetTicket and CreateTicket of supportd on
// PostgreSQL, with one replica and with two replicas over the same
// database (the client spreads its connections, hence its calls, over
// both), beside the SQLite loads of the same run.
var pgPhases = []struct {
	phase    string
	replicas int
	create   bool
}{
	{"pg-get", 1, false}, {"pg-create", 1, true},
	{"pg2-get", 2, false}, {"pg2-create", 2, true},
}

func pgWanted(phases string) bool {
	for _, p := range pgPhases {
		if pgPhase(phases, p.phase) {
			return true
		}
	}
	return false
}

// pgPhase reports whether phases asks for the PostgreSQL load p ("pg"
// asks for all of them).
func pgPhase(phases, p string) bool { return benchkit.Has(phases, p) || benchkit.Has(phases, "pg") }

// postgres is the database of the PostgreSQL loads: a throwaway cluster
// started by the run, or a database given by URL.
type postgres struct {
	cluster *pgcluster.Cluster // nil when given by URL
	url     string             // --postgres, when given
	servers []*benchkit.Server
	conns   []*grpc.ClientConn
}

// startPostgres starts a throwaway cluster with PostgreSQL's durable
// defaults (fsync, synchronous_commit on: a create is as durable as on
// SQLite with synchronous=FULL), unless o.postgres names a database.
func startPostgres(ctx context.Context, o options, work string) (*postgres, error) {
	if o.postgres != "" {
		fmt.Printf("PostgreSQL: %s (given; its CPU is not measured)\n", redact(o.postgres))
		return &postgres{url: o.postgres}, nil
	}
	bin, err := pgcluster.FindBin()
	if err != nil {
		return nil, err
	}
	c, err := pgcluster.Start(bin, pgcluster.Options{Durable: true})
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	fmt.Printf("PostgreSQL: throwaway cluster from %s on loopback TCP, durable defaults (fsync, synchronous_commit on), shared_buffers 128MB, max_connections 300\n", bin)
	return &postgres{cluster: c}, nil
}

func (p *postgres) stop() {
	closeAll(p.conns)
	for _, s := range p.servers {
		s.Stop()
	}
	if p.cluster != nil {
		if err := p.cluster.Stop(); err != nil {
			fmt.Println("stop PostgreSQL:", err)
		}
	}
}

// cpuTime is the cluster's CPU time, 0 for a database given by URL.
func (p *postgres) cpuTime() time.Duration {
	if p.cluster == nil {
		return 0
	}
	return p.cluster.CPUTime()
}

// database returns the URL of the database of the loads with n replicas:
// a fresh one in the throwaway cluster, or the given one.
func (p *postgres) database(ctx context.Context, o options, n int) (string, error) {
	u := p.url
	if p.cluster != nil {
		var err error
		if u, err = p.cluster.CreateDatabase(ctx, fmt.Sprintf("supportbench_%d", n)); err != nil {
			return "", err
		}
	}
	if o.pgPool > 0 {
		parsed, err := url.Parse(u)
		if err != nil {
			return "", err
		}
		q := parsed.Query()
		q.Set("pool_max_conns", strconv.Itoa(o.pgPool))
		parsed.RawQuery = q.Encode()
		u = parsed.String()
	}
	return u, nil
}

// loads starts the replicas of each replica count asked for (one after
// the other: the first seeds the demo directory, the next ones mint their
// own keys in it) and returns the loads on them.
func (p *postgres) loads(ctx context.Context, o options, work string) ([]load, error) {
	var loads []load
	for _, n := range []int{1, 2} {
		var get, create bool
		for _, ph := range pgPhases {
			if ph.replicas == n && pgPhase(o.phases, ph.phase) {
				get, create = get || !ph.create, create || ph.create
			}
		}
		if !get && !create {
			continue
		}
		db, err := p.database(ctx, o, n)
		if err != nil {
			return nil, err
		}
		var replicas []*benchkit.Server
		for i := range n {
			srv, err := startSupportd(ctx, o, work, fmt.Sprintf("supportd-pg%d-%c", n, 'a'+i), db, true)
			if err != nil {
				return nil, err
			}
			p.servers = append(p.servers, srv)
			replicas = append(replicas, srv)
		}
		key, err := replicas[0].DemoKey()
		if err != nil {
			return nil, err
		}
		// The connections alternate between the replicas: round robin
		// over them spreads the calls evenly, as a balancer would.
		var clients []supportv1.SupportServiceClient
		for i := range max(o.conns, n) {
			conns, cs, err := supportClients(replicas[i%n].Addr, 1)
			if err != nil {
				return nil, err
			}
			p.conns = append(p.conns, conns...)
			clients = append(clients, cs...)
		}
		var rr atomic.Uint64
		client := func() supportv1.SupportServiceClient { return clients[rr.Add(1)%uint64(len(clients))] }
		cpu := func() (t time.Duration) {
			for _, r := range replicas {
				t += r.CPUTime()
			}
			return t
		}
		bctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
		if get {
			resp, err := client().CreateTicket(bctx, benchkit.Filing(uuid.NewString()))
			if err != nil {
				return nil, fmt.Errorf("create the ticket to get: %w", err)
			}
			id := resp.GetTicket().GetId()
			loads = append(loads, load{fmt.Sprintf("pg%d-get", n), replicas[0], func(name string) result {
				return p.measure(o, func() result {
					return run(bctx, fmt.Sprintf("supportd GetTicket@pg%d", n), o.concurrency, o.warmup, o.duration, cpu, func(ctx context.Context) error {
						_, err := client().GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: id})
						return err
					})
				})
			}})
		}
		if create {
			loads = append(loads, load{fmt.Sprintf("pg%d-create", n), replicas[0], func(name string) result {
				return p.measure(o, func() result {
					return run(bctx, fmt.Sprintf("supportd CreateTicket@pg%d", n), o.concurrency, o.warmup, o.duration, cpu, func(ctx context.Context) error {
						_, err := client().CreateTicket(ctx, benchkit.Filing(uuid.NewString()))
						return err
					})
				})
			}})
		}
	}
	return loads, nil
}

// measure runs a load and adds the database's CPU time over the same
// measurement window (after o.warmup, for o.duration).
func (p *postgres) measure(o options, run func() result) result {
	done := make(chan time.Duration, 1)
	go func() {
		time.Sleep(o.warmup)
		c0 := p.cpuTime()
		time.Sleep(o.duration)
		done <- p.cpuTime() - c0
	}()
	r := run()
	r.DBCPU = <-done
	return r
}

// summarisePostgres prints the PostgreSQL loads beside the SQLite ones:
// per measure its median over the rounds and its spread (lowest-highest).
func summarisePostgres(rounds [][]result) {
	byName := map[string][]result{}
	for _, results := range rounds {
		for _, r := range results {
			name := strings.Fields(r.Name)[1]
			byName[name] = append(byName[name], r)
		}
	}
	if len(byName["GetTicket@pg1"])+len(byName["CreateTicket@pg1"])+len(byName["GetTicket@pg2"])+len(byName["CreateTicket@pg2"]) == 0 {
		return
	}
	stat := func(name string, f func(result) float64) string {
		rs := byName[name]
		if len(rs) == 0 {
			return "-"
		}
		var xs []float64
		for _, r := range rs {
			xs = append(xs, f(r))
		}
		if slices.Max(xs) == 0 {
			return "-" // not measured (PostgreSQL's CPU of a SQLite load)
		}
		lo, hi := xs[0], xs[0]
		for _, x := range xs {
			lo, hi = min(lo, x), max(hi, x)
		}
		return fmt.Sprintf("%.0f (%.0f-%.0f)", median(xs), lo, hi)
	}
	ratio := func(a, b string) string {
		ra, rb := byName[a], byName[b]
		if len(ra) == 0 || len(rb) == 0 || len(ra) != len(rb) {
			return "-"
		}
		var xs []float64
		for i := range ra {
			if rb[i].Calls > 0 {
				xs = append(xs, ra[i].Rate()/rb[i].Rate())
			}
		}
		if len(xs) == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", median(xs))
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	fmt.Println()
	fmt.Println("PostgreSQL against SQLite, median over the rounds (lowest-highest):")
	fmt.Printf("| %-13s | %-30s | %-20s | %-20s | %-20s | %-9s | %-9s |\n", "load", "measure", "SQLite", "PostgreSQL, 1 replica", "PostgreSQL, 2 replicas", "pg1/SQLite", "pg2/pg1")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 15), strings.Repeat("-", 32), strings.Repeat("-", 22), strings.Repeat("-", 22), strings.Repeat("-", 24), strings.Repeat("-", 12), strings.Repeat("-", 11))
	for _, call := range []string{"GetTicket", "CreateTicket"} {
		rows := []struct {
			what   string
			f      func(result) float64
			ratios bool
		}{
			{"calls/s", func(r result) float64 { return r.Rate() }, true},
			{"p99 (us)", func(r result) float64 { return us(r.P99) }, false},
			{"supportd CPU (us/call)", func(r result) float64 { return us(r.CPUPerCall()) }, false},
			{"postgres CPU (us/call)", func(r result) float64 { return us(r.DBCPUPerCall()) }, false},
		}
		for _, row := range rows {
			r1, r2 := "", ""
			if row.ratios {
				r1, r2 = ratio(call+"@pg1", call), ratio(call+"@pg2", call+"@pg1")
			}
			fmt.Printf("| %-13s | %-30s | %-20s | %-20s | %-22s | %-10s | %-9s |\n", call, row.what,
				stat(call, row.f), stat(call+"@pg1", row.f), stat(call+"@pg2", row.f), r1, r2)
		}
	}
}

// redact hides the password of a URL.
func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return parsed.Redacted()
}
