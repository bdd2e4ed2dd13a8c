// Command supportbench measures supportd against a bare grpc-go server,
// side by side in one run, over loopback TCP:
//
//	go run ./cmd/supportbench [--concurrency 50] [--duration 10s] [--warmup 2s] [--tickets 1000000]
//
// It starts (1) a bare grpc-go server with only the health service (this
// program re-executed as `supportbench bare ADDR`) and measures health
// Check; (2) supportd --demo on a fresh database and measures GetTicket of
// an existing ticket and durable CreateTicket with unique request ids;
// (3) supportd on a database of --tickets tickets (generated once through
// the SQLite store and cached under os.TempDir()) and measures ListTickets
// (first page of 50). It prints rates, p50/p99 latencies and the ratios to
// the bare server. With --phases bare-list and bare-list-cached it also
// measures the read limits of that page over the same database: bare
// grpc-go servers doing only a page's query, decoding and encoding, without
// and with supportd's caches of decoded and encoded tickets (barelist.go,
// cachedpages.go), against supportd's figures and the ListTickets targets. With --phases pg (or pg-get, pg-create, pg2-get,
// pg2-create) it also measures GetTicket and CreateTicket on PostgreSQL,
// with one supportd replica and with two over the same database, beside
// the SQLite loads, with PostgreSQL's CPU per call (postgres.go). See
// bench/run.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/benchkit"
)

type options struct {
	supportd    string
	concurrency int
	conns       int
	warmup      time.Duration
	duration    time.Duration
	tickets     int
	logLevel    string
	logFormat   string
	phases      string
	pprofDir    string
	keep        bool
	rounds      int
	postgres    string
	pgPool      int
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "bare" {
		if err := serveBare(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "supportbench bare:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) == 4 && (os.Args[1] == "bare-list" || os.Args[1] == "bare-list-cached") {
		if err := serveBareList(os.Args[2], os.Args[3], os.Args[1] == "bare-list-cached"); err != nil {
			fmt.Fprintln(os.Stderr, "supportbench "+os.Args[1]+":", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) == 4 && os.Args[1] == "bare-durable" {
		if err := serveBareDurable(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "supportbench bare-durable:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.supportd, "supportd", "", "supportd binary (default: go build ./cmd/supportd into the work directory)")
	flag.IntVar(&o.concurrency, "concurrency", 50, "calls in flight")
	flag.IntVar(&o.conns, "conns", 4, "client connections the calls are spread over")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each measurement (not counted)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measurement window of each load")
	flag.IntVar(&o.tickets, "tickets", 1_000_000, "tickets in the ListTickets database")
	flag.StringVar(&o.logLevel, "log-level", "info", "supportd --log-level")
	flag.StringVar(&o.logFormat, "log-format", "json", "supportd --log-format (its log goes to a file in the work directory)")
	flag.StringVar(&o.phases, "phases", "bare,get,durable,create,list", "loads to run: bare,get,durable,create,list,bare-list and pg-get,pg-create,pg2-get,pg2-create (PostgreSQL, 1 and 2 replicas; pg = all four)")
	flag.StringVar(&o.pprofDir, "pprof-dir", "", "write a CPU profile of supportd for each load into this directory")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.IntVar(&o.rounds, "rounds", 1, "run the loads this many times, interleaved; ratios are reported per round and as the median")
	flag.StringVar(&o.postgres, "postgres", "", "PostgreSQL of the pg-* loads: a postgres:// URL of an existing database, or empty to start a throwaway cluster with durable settings (initdb in a temporary directory, a free port)")
	flag.IntVar(&o.pgPool, "pg-pool", 0, "pool_max_conns of each supportd replica on PostgreSQL (0: supportd's default)")
	flag.Parse()
	benchkit.Main("supportbench", func(ctx context.Context) error { return bench(ctx, o) })
}

func bench(ctx context.Context, o options) error {
	w, err := benchkit.NewWork("supportbench-run-", o.supportd, o.pprofDir, o.keep)
	if err != nil {
		return err
	}
	defer w.Close()
	work, self := w.Dir, w.Self
	o.supportd = w.Supportd
	benchkit.PrintMachine()
	fmt.Printf("load: %d calls in flight over %d connections, %v warm-up + %v measured per load, loopback TCP\n",
		o.concurrency, o.conns, o.warmup, o.duration)
	fmt.Printf("supportd: --log-level %s --log-format %s (log to a file), --metrics-listen off, no rate limit\n\n", o.logLevel, o.logFormat)

	// Start every server first (idle ones cost nothing), then run the
	// loads in rounds, so that each round measures bare and supportd within
	// seconds of each other.
	var loads []load
	var servers []*benchkit.Server
	var allConns []*grpc.ClientConn
	defer func() {
		closeAll(allConns)
		for _, srv := range servers {
			srv.Stop()
		}
	}()

	if benchkit.Has(o.phases, "bare") {
		addr, err := benchkit.FreeAddr()
		if err != nil {
			return err
		}
		srv, err := benchkit.Start(ctx, "bare", work, addr, self, "bare", addr)
		if err != nil {
			return err
		}
		servers = append(servers, srv)
		conns, err := dialN(addr, o.conns)
		if err != nil {
			return err
		}
		allConns = append(allConns, conns...)
		clients := make([]healthpb.HealthClient, len(conns))
		for i, c := range conns {
			clients[i] = healthpb.NewHealthClient(c)
		}
		var rr atomic.Uint64
		loads = append(loads, load{"bare", srv, func(name string) result {
			return run(ctx, "bare grpc-go health Check", o.concurrency, o.warmup, o.duration, srv.CPUTime, func(ctx context.Context) error {
				_, err := clients[rr.Add(1)%uint64(len(clients))].Check(ctx, &healthpb.HealthCheckRequest{})
				return err
			})
		}})
	}

	if benchkit.Has(o.phases, "durable") {
		addr, err := benchkit.FreeAddr()
		if err != nil {
			return err
		}
		srv, err := benchkit.Start(ctx, "bare-durable", work, addr, self, "bare-durable", addr, filepath.Join(work, "durable.db"))
		if err != nil {
			return err
		}
		servers = append(servers, srv)
		conns, clients, err := supportClients(addr, o.conns)
		if err != nil {
			return err
		}
		allConns = append(allConns, conns...)
		var rr atomic.Uint64
		loads = append(loads, load{"durable", srv, func(name string) result {
			return run(ctx, "bare-durable group-commit Create", o.concurrency, o.warmup, o.duration, srv.CPUTime, func(ctx context.Context) error {
				_, err := clients[rr.Add(1)%uint64(len(clients))].CreateTicket(ctx, benchkit.Filing(uuid.NewString()))
				return err
			})
		}})
	}

	if benchkit.Has(o.phases, "get") || benchkit.Has(o.phases, "create") {
		srv, err := startSupportd(ctx, o, work, "supportd-fresh", filepath.Join(work, "fresh.db"), true)
		if err != nil {
			return err
		}
		servers = append(servers, srv)
		key, err := srv.DemoKey()
		if err != nil {
			return err
		}
		conns, clients, err := supportClients(srv.Addr, o.conns)
		if err != nil {
			return err
		}
		allConns = append(allConns, conns...)
		bctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
		var rr atomic.Uint64
		client := func() supportv1.SupportServiceClient { return clients[rr.Add(1)%uint64(len(clients))] }
		if benchkit.Has(o.phases, "get") {
			resp, err := client().CreateTicket(bctx, benchkit.Filing(uuid.NewString()))
			if err != nil {
				return fmt.Errorf("create the ticket to get: %w", err)
			}
			id := resp.GetTicket().GetId()
			loads = append(loads, load{"get", srv, func(name string) result {
				return run(bctx, "supportd GetTicket", o.concurrency, o.warmup, o.duration, srv.CPUTime, func(ctx context.Context) error {
					_, err := client().GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: id})
					return err
				})
			}})
		}
		if benchkit.Has(o.phases, "create") {
			loads = append(loads, load{"create", srv, func(name string) result {
				return run(bctx, "supportd CreateTicket", o.concurrency, o.warmup, o.duration, srv.CPUTime, func(ctx context.Context) error {
					_, err := client().CreateTicket(ctx, benchkit.Filing(uuid.NewString()))
					return err
				})
			}})
		}
	}

	if benchkit.Has(o.phases, "list") || benchkit.Has(o.phases, "bare-list") {
		fmt.Printf("ListTickets database: %d tickets ... ", o.tickets)
		db, key, took, cached, err := bigDB(ctx, o.tickets)
		if err != nil {
			return err
		}
		if cached {
			fmt.Printf("cached at %s\n", db)
		} else {
			fmt.Printf("generated in %v at %s\n", took.Round(100*time.Millisecond), db)
		}
		for _, ref := range []string{"bare-list", "bare-list-cached"} {
			if !benchkit.Has(o.phases, ref) {
				continue
			}
			bl, err := startBareList(ctx, o, work, self, ref, db)
			if err != nil {
				return err
			}
			servers = append(servers, bl.srv)
			allConns = append(allConns, bl.conns...)
			loads = append(loads, bl.loads...)
		}
		if benchkit.Has(o.phases, "list") {
			srv, err := startSupportd(ctx, o, work, "supportd-big", db, false)
			if err != nil {
				return err
			}
			servers = append(servers, srv)
			conns, clients, err := supportClients(srv.Addr, o.conns)
			if err != nil {
				return err
			}
			allConns = append(allConns, conns...)
			bctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
			page := firstPage(clients, o.tickets)
			loads = append(loads, load{"list", srv, func(name string) result {
				return run(bctx, fmt.Sprintf("supportd ListTickets (%dk)", o.tickets/1000), o.concurrency, o.warmup, o.duration, srv.CPUTime, page)
			}})
			// The latency target is at 8 calls in flight.
			loads = append(loads, load{"list8", srv, func(name string) result {
				return run(bctx, fmt.Sprintf("supportd ListTickets@8 (%dk)", o.tickets/1000), 8, o.warmup, o.duration, srv.CPUTime, page)
			}})
		}
	}

	if pgWanted(o.phases) {
		pg, err := startPostgres(ctx, o, work)
		if err != nil {
			return err
		}
		defer pg.stop()
		pgLoads, err := pg.loads(ctx, o, work)
		if err != nil {
			return err
		}
		loads = append(loads, pgLoads...)
	}

	var rounds [][]result
	for round := 1; round <= max(1, o.rounds); round++ {
		if o.rounds > 1 {
			fmt.Printf("round %d (load average %s)\n", round, benchkit.LoadAverage())
		}
		var results []result
		for _, l := range loads {
			name := l.name
			if o.rounds > 1 {
				name = fmt.Sprintf("%s-round%d", l.name, round)
			}
			r := profiled(ctx, o, l.srv, name, func() result { return l.measure(name) })
			fmt.Println(r)
			results = append(results, r)
		}
		rounds = append(rounds, results)
	}
	summarise(rounds)
	summarisePostgres(rounds)
	return nil
}

// load is one measured load of a round.
type load struct {
	name    string
	srv     *benchkit.Server // profiled with --pprof-dir
	measure func(name string) result
}

// profiled runs measure, taking a CPU profile of srv during its
// measurement window when --pprof-dir is set.
func profiled(ctx context.Context, o options, srv *benchkit.Server, name string, measure func() result) result {
	if o.pprofDir == "" || srv.Pprof == "" {
		return measure()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-time.After(o.warmup):
		case <-ctx.Done():
			return
		}
		file := filepath.Join(o.pprofDir, name+".pprof")
		if err := srv.Profile(ctx, o.duration-time.Second, file); err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
		}
	}()
	r := measure()
	wg.Wait()
	return r
}

// unlimitedYAML lifts the per-key rate limit: these loads measure the
// server's throughput with one key, not its fairness (see cmd/fairbench).
const unlimitedYAML = "limits:\n  requests_per_second: 1000000\n  burst: 1000000\n"

func startSupportd(ctx context.Context, o options, work, name, db string, demo bool) (*benchkit.Server, error) {
	cfg := filepath.Join(work, "unlimited.yaml")
	if err := os.WriteFile(cfg, []byte(unlimitedYAML), 0o644); err != nil {
		return nil, err
	}
	args := []string{"--db", db, "--metrics-listen", "", "--config", cfg,
		"--log-level", o.logLevel, "--log-format", o.logFormat}
	if demo {
		args = append(args, "--demo")
	}
	return benchkit.StartSupportd(ctx, name, work, o.supportd, o.pprofDir != "", args...)
}

// bareList is a started bare-list or bare-list-cached reference and its
// two loads (50 and 8 calls in flight).
type bareList struct {
	srv   *benchkit.Server
	conns []*grpc.ClientConn
	loads []load
}

// startBareList starts the reference ref (this program re-executed as
// `supportbench ref ADDR DB`) over the ListTickets database db. Its loads'
// names have the second word ref's first-page name ("first-page",
// "first-page-cached"), by which summarise finds them.
func startBareList(ctx context.Context, o options, work, self, ref, db string) (bareList, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return bareList{}, err
	}
	srv, err := benchkit.Start(ctx, ref, work, addr, self, ref, addr, db)
	if err != nil {
		return bareList{}, err
	}
	conns, clients, err := supportClients(addr, o.conns)
	if err != nil {
		srv.Stop()
		return bareList{}, err
	}
	label := fmt.Sprintf("%s first-page%s", ref, strings.TrimPrefix(ref, "bare-list"))
	page := firstPage(clients, o.tickets)
	return bareList{srv: srv, conns: conns, loads: []load{
		{ref, srv, func(name string) result {
			return run(ctx, fmt.Sprintf("%s (%dk)", label, o.tickets/1000), o.concurrency, o.warmup, o.duration, srv.CPUTime, page)
		}},
		{ref + "8", srv, func(name string) result {
			return run(ctx, fmt.Sprintf("%s@8 (%dk)", label, o.tickets/1000), 8, o.warmup, o.duration, srv.CPUTime, page)
		}},
	}}, nil
}

// firstPage is a call of ListTickets for the first page of 50 over
// clients in turn; it fails unless the page holds min(50, tickets) tickets.
func firstPage(clients []supportv1.SupportServiceClient, tickets int) call {
	var rr atomic.Uint64
	return func(ctx context.Context) error {
		resp, err := clients[rr.Add(1)%uint64(len(clients))].ListTickets(ctx, &supportv1.ListTicketsRequest{PageSize: 50})
		if err == nil && len(resp.GetTickets()) != min(50, tickets) {
			err = fmt.Errorf("ListTickets returned %d tickets", len(resp.GetTickets()))
		}
		return err
	}
}

func dialN(addr string, n int) ([]*grpc.ClientConn, error) {
	var conns []*grpc.ClientConn
	for range max(1, n) {
		c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		c.Connect()
		conns = append(conns, c)
	}
	return conns, nil
}

func supportClients(addr string, n int) ([]*grpc.ClientConn, []supportv1.SupportServiceClient, error) {
	conns, err := dialN(addr, n)
	if err != nil {
		return nil, nil, err
	}
	clients := make([]supportv1.SupportServiceClient, len(conns))
	for i, c := range conns {
		clients[i] = supportv1.NewSupportServiceClient(c)
	}
	return conns, clients, nil
}

func closeAll(conns []*grpc.ClientConn) {
	for _, c := range conns {
		c.Close()
	}
}

func cpuRatio(r, bare result) float64 {
	if bare.CPUPerCall() == 0 {
		return 0
	}
	return float64(r.CPUPerCall()) / float64(bare.CPUPerCall())
}

// summarise prints the ratios to the bare server of each round, their
// median, and the targets.
func summarise(rounds [][]result) {
	var getRatios, createRatios, getCPU, createCPU, listP99, listRate, list8P99 []float64
	limits := map[string]*listLimit{"first-page": {name: "bare-list"}, "first-page-cached": {name: "bare-list-cached"}}
	for _, results := range rounds {
		byName := map[string]result{}
		for _, r := range results {
			byName[strings.Fields(r.Name)[1]] = r
		}
		bare, hasBare := byName["grpc-go"]
		if r, ok := byName["GetTicket"]; ok && hasBare && bare.Calls > 0 {
			getRatios = append(getRatios, r.Rate()/bare.Rate())
			getCPU = append(getCPU, cpuRatio(r, bare))
		}
		durable, hasDurable := byName["group-commit"]
		if r, ok := byName["CreateTicket"]; ok && hasDurable && durable.Calls > 0 {
			createRatios = append(createRatios, r.Rate()/durable.Rate())
			createCPU = append(createCPU, cpuRatio(r, durable))
		}
		if r, ok := byName["ListTickets"]; ok {
			listP99 = append(listP99, ms(r.P99))
			listRate = append(listRate, r.Rate())
		}
		if r, ok := byName["ListTickets@8"]; ok {
			list8P99 = append(list8P99, ms(r.P99))
		}
		for key, lim := range limits {
			lim.add(byName[key], byName[key+"@8"], byName["ListTickets"])
		}
		for _, r := range results {
			if r.Errors > 0 {
				fmt.Printf("WARNING: %s had %d errors\n", r.Name, r.Errors)
			}
		}
	}
	fmt.Println()
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	list := func(xs []float64, scale float64) string {
		var b strings.Builder
		for i, x := range xs {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%.1f", scale*x)
		}
		return b.String()
	}
	pct := func(xs []float64) string { return list(xs, 100) }
	if len(getRatios) > 0 {
		m := median(getRatios)
		fmt.Printf("GetTicket/bare    = %5.1f %% median (rounds: %s %%)  target >= 70 %%: %s; server CPU per call %.1fx bare's (median)\n",
			100*m, pct(getRatios), check(m >= 0.70), median(getCPU))
	}
	if len(createRatios) > 0 {
		m := median(createRatios)
		fmt.Printf("CreateTicket/bare-durable = %5.1f %% median (rounds: %s %%)  target >= 50 %%: %s; server CPU per call %.1fx bare-durable's (median)\n",
			100*m, pct(createRatios), check(m >= 0.50), median(createCPU))
	}
	if len(listP99) > 0 {
		m := median(listP99)
		r := median(listRate)
		fmt.Printf("ListTickets at 50 in flight: %.0f pages/s median (rounds: %s), p99 %.1f ms (rounds: %s ms); target >= 6162 pages/s (2x 3081): %s\n",
			r, list(listRate, 1), m, list(listP99, 1), check(r >= 6162))
	}
	if len(list8P99) > 0 {
		m := median(list8P99)
		fmt.Printf("ListTickets at 8 in flight: p99 %.1f ms median (rounds: %s ms); target < 10 ms: %s\n", m, list(list8P99, 1), check(m < 10))
	}
	for _, key := range []string{"first-page", "first-page-cached"} {
		limits[key].print(list, pct)
	}
}

// listLimit gathers, over the rounds, a bare-list reference's figures
// and supportd's ListTickets against them.
type listLimit struct {
	name                        string
	rate, p99, p99at8, cpu      []float64
	listVsLimit, listCPUVsLimit []float64
}

// add takes one round's results of the reference at 50 and 8 in flight
// and of supportd's ListTickets at 50 (zero results when not run).
func (l *listLimit) add(at50, at8, list result) {
	if at50.Calls > 0 {
		l.rate = append(l.rate, at50.Rate())
		l.p99 = append(l.p99, ms(at50.P99))
		l.cpu = append(l.cpu, float64(at50.CPUPerCall())/float64(time.Microsecond))
		if list.Calls > 0 {
			l.listVsLimit = append(l.listVsLimit, list.Rate()/at50.Rate())
			l.listCPUVsLimit = append(l.listCPUVsLimit, cpuRatio(list, at50))
		}
	}
	if at8.Calls > 0 {
		l.p99at8 = append(l.p99at8, ms(at8.P99))
	}
}

// print states the reference's medians beside the ListTickets targets.
func (l *listLimit) print(list func([]float64, float64) string, pct func([]float64) string) {
	within := func(ok bool) string {
		if ok {
			return "within this machine's measured limit"
		}
		return "ABOVE this machine's measured limit"
	}
	if len(l.rate) > 0 {
		r := median(l.rate)
		fmt.Printf("%s at 50 in flight: %.0f pages/s median (rounds: %s), p99 %.1f ms (rounds: %s ms), server CPU %.1f us/page; target >= 6162 pages/s: %s\n",
			l.name, r, list(l.rate, 1), median(l.p99), list(l.p99, 1), median(l.cpu), within(r >= 6162))
	}
	if len(l.listVsLimit) > 0 {
		fmt.Printf("ListTickets/%s = %5.1f %% of the pages/s median (rounds: %s %%); server CPU per page %.2fx %s's (median)\n",
			l.name, 100*median(l.listVsLimit), pct(l.listVsLimit), median(l.listCPUVsLimit), l.name)
	}
	if len(l.p99at8) > 0 {
		m := median(l.p99at8)
		fmt.Printf("%s at 8 in flight: p99 %.1f ms median (rounds: %s ms); target < 10 ms: %s\n", l.name, m, list(l.p99at8, 1), within(m < 10))
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
