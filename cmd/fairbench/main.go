// Command fairbench measures whether one partner's flood hurts another
// partner, over loopback TCP:
//
//	go run ./cmd/fairbench [--rate 40] [--flood 64] [--duration 10s] [--rounds 3]
//
// It starts two supportd --demo servers: one with the default per-key rate
// limit (limits.requests_per_second 50, burst 100) and one without
// (limits lifted), and on each measures partner B's GetTicket latency
// (p50, p99) at a steady --rate calls a second, open loop (each call
// starts on its tick, so a slow call does not hide the ones behind it):
// first alone, then while partner A floods GetTicket with --flood callers
// in a closed loop that ignore RetryInfo (the worst case; a client that
// waits as told sends far less). The flood runs in a child process (this
// program re-executed as `fairbench flood ...`) at a low priority
// (--flood-nice 19): another partner's flood runs on its own machine, so
// its client-side CPU must not be what slows B here. It prints each measurement, and the ratio
// of B's p99 under the flood to B's p99 alone per server: median and
// spread over the rounds. See bench/fair.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/benchkit"
)

type options struct {
	supportd string
	rate     float64
	flood    int
	conns    int
	warmup   time.Duration
	duration time.Duration
	rounds   int
	logLevel string
	nice     int
	keep     bool
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "flood" {
		if err := floodMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "fairbench flood:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.supportd, "supportd", "", "supportd binary (default: go build ./cmd/supportd into the work directory)")
	flag.Float64Var(&o.rate, "rate", 40, "partner B's GetTicket calls a second (under its limit of 50)")
	flag.IntVar(&o.flood, "flood", 64, "partner A's concurrent GetTicket callers")
	flag.IntVar(&o.conns, "conns", 4, "partner A's connections")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each measurement (not counted)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measurement window")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; ratios are reported per round and as the median")
	flag.StringVar(&o.logLevel, "log-level", "info", "supportd --log-level")
	flag.IntVar(&o.nice, "flood-nice", 19, "nice value of the flood process (0: compete for the CPU like the server)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.Parse()
	benchkit.Main("fairbench", func(ctx context.Context) error { return bench(ctx, o) })
}

// target is one supportd under test with partner B's ticket and both keys.
type target struct {
	name     string
	srv      *benchkit.Server
	conn     *grpc.ClientConn
	bKey     string
	aKey     string
	ticketID string
}

func bench(ctx context.Context, o options) error {
	w, err := benchkit.NewWork("fairbench-run-", o.supportd, "", o.keep)
	if err != nil {
		return err
	}
	defer w.Close()
	benchkit.PrintMachine()
	fmt.Printf("partner B: GetTicket at %g calls/s, open loop, 1 connection; partner A: %d GetTicket callers, closed loop, %d connections, RetryInfo ignored\n",
		o.rate, o.flood, o.conns)
	fmt.Printf("%v warm-up + %v measured per load, %d rounds, loopback TCP, supportd --demo --log-level %s (to a file), flood at nice %d\n\n",
		o.warmup, o.duration, o.rounds, o.logLevel, o.nice)

	var targets []*target
	defer func() {
		for _, t := range targets {
			t.conn.Close()
			t.srv.Stop()
		}
	}()
	for _, spec := range []struct{ name, yaml string }{
		{"limited", ""}, // the defaults: 50/s, burst 100 per key
		{"unlimited", "limits:\n  requests_per_second: 1000000\n  burst: 1000000\n"},
	} {
		t, err := setup(ctx, o, w, spec.name, spec.yaml)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}

	ratios := map[string][]float64{}
	for round := 1; round <= o.rounds; round++ {
		fmt.Printf("round %d\n", round)
		for _, t := range targets {
			alone := measureB(ctx, o, t)
			fmt.Printf("  %-9s B alone        %s\n", t.name, alone)
			flood, fl, err := measureUnderFlood(ctx, o, w, t)
			if err != nil {
				return err
			}
			fmt.Printf("  %-9s B under flood  %s\n", t.name, flood)
			fmt.Printf("  %-9s A flood        %s\n", t.name, fl)
			if alone.p99 > 0 {
				ratios[t.name] = append(ratios[t.name], float64(flood.p99)/float64(alone.p99))
			}
		}
	}
	fmt.Println()
	for _, t := range targets {
		r := ratios[t.name]
		if len(r) == 0 {
			continue
		}
		line := fmt.Sprintf("%-9s B p99 under flood / alone = %.2fx median (rounds: %s; spread %.2f-%.2fx)",
			t.name, median(r), list(r), slices.Min(r), slices.Max(r))
		if t.name == "limited" {
			ok := "met"
			if median(r) > 2 {
				ok = "MISSED"
			}
			line += "  target <= 2x: " + ok
		}
		fmt.Println(line)
	}
	return nil
}

// setup starts a supportd --demo (with the configuration yaml, if any),
// files partner B's ticket with the demo partner key and creates partner
// A ("flooder") and its key with the admin key.
func setup(ctx context.Context, o options, w *benchkit.Work, name, yaml string) (*target, error) {
	args := []string{"--db", filepath.Join(w.Dir, name+".db"), "--metrics-listen", "", "--log-level", o.logLevel, "--log-format", "json", "--demo"}
	if yaml != "" {
		cfg := filepath.Join(w.Dir, name+".yaml")
		if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
			return nil, err
		}
		args = append(args, "--config", cfg)
	}
	srv, err := benchkit.StartSupportd(ctx, "supportd-"+name, w.Dir, w.Supportd, false, args...)
	if err != nil {
		return nil, err
	}
	t := &target{name: name, srv: srv}
	fail := func(err error) (*target, error) { srv.Stop(); return nil, err }
	if t.bKey, err = srv.DemoKeyOf("partner"); err != nil {
		return fail(err)
	}
	admin, err := srv.DemoKeyOf("admin")
	if err != nil {
		return fail(err)
	}
	if t.conn, err = grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		return fail(err)
	}
	bctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+t.bKey)
	created, err := supportv1.NewSupportServiceClient(t.conn).CreateTicket(bctx, benchkit.Filing(uuid.NewString()))
	if err != nil {
		t.conn.Close()
		return fail(fmt.Errorf("%s: file B's ticket: %w", name, err))
	}
	t.ticketID = created.GetTicket().GetId()
	actx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+admin)
	dir := supportv1.NewDirectoryServiceClient(t.conn)
	_, err = dir.CreatePartner(actx, &supportv1.CreatePartnerRequest{Partner: &supportv1.Partner{
		Id: "flooder", DisplayName: "Flooder", Status: supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE, VerifiedDomains: []string{"flooder.example"}}})
	if err != nil {
		t.conn.Close()
		return fail(fmt.Errorf("%s: create partner A: %w", name, err))
	}
	key, err := dir.CreateApiKey(actx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_PARTNER, PartnerId: "flooder"})
	if err != nil {
		t.conn.Close()
		return fail(fmt.Errorf("%s: create A's key: %w", name, err))
	}
	t.aKey = key.GetSecret()
	return t, nil
}

// latencies is the outcome of B's measurement.
type latencies struct {
	calls, errors int
	firstErr      error
	p50, p99      time.Duration
}

func (l latencies) String() string {
	s := fmt.Sprintf("p50 %7.3f ms  p99 %7.3f ms  (%d calls", ms(l.p50), ms(l.p99), l.calls)
	if l.errors > 0 {
		s += fmt.Sprintf(", %d ERRORS, first: %v", l.errors, l.firstErr)
	}
	return s + ")"
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measureB calls GetTicket as B at o.rate for o.warmup+o.duration, open
// loop, and returns the latencies of the calls started after the warm-up.
func measureB(ctx context.Context, o options, t *target) latencies {
	client := supportv1.NewSupportServiceClient(t.conn)
	bctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+t.bKey)
	tick := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
	defer tick.Stop()
	start := time.Now()
	measureFrom, end := start.Add(o.warmup), start.Add(o.warmup+o.duration)
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out latencies
		all []time.Duration
	)
	for now := range tick.C {
		if !now.Before(end) || ctx.Err() != nil {
			break
		}
		counted := !now.Before(measureFrom)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			_, err := client.GetTicket(bctx, &supportv1.GetTicketRequest{TicketId: t.ticketID})
			d := time.Since(t0)
			if !counted {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if out.errors++; out.errors == 1 {
					out.firstErr = err
				}
				return
			}
			all = append(all, d)
		}()
	}
	wg.Wait()
	slices.Sort(all)
	out.calls = len(all)
	if len(all) > 0 {
		out.p50 = all[len(all)*50/100]
		out.p99 = all[min(len(all)-1, len(all)*99/100)]
	}
	return out
}

// measureUnderFlood starts A's flood in a child process, measures B once
// the flood has run for a second, and returns B's latencies with the
// flood's summary line.
func measureUnderFlood(ctx context.Context, o options, w *benchkit.Work, t *target) (latencies, string, error) {
	floodFor := time.Second + o.warmup + o.duration
	cmd := exec.CommandContext(ctx, w.Self, "flood", t.srv.Addr, t.aKey, t.ticketID,
		fmt.Sprint(o.flood), fmt.Sprint(o.conns), floodFor.String())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return latencies{}, "", err
	}
	if o.nice != 0 {
		// On a network the flood's own CPU is the partner's machine's: here,
		// lowered priority keeps it from taking the server's and B's cores.
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, o.nice); err != nil {
			fmt.Fprintln(os.Stderr, "fairbench: nice the flood:", err)
		}
	}
	time.Sleep(time.Second) // the flood's own ramp-up, not measured
	cpu0, t0 := t.srv.CPUTime(), time.Now()
	b := measureB(ctx, o, t)
	serverCPU := float64(t.srv.CPUTime()-cpu0) / float64(time.Since(t0))
	if err := cmd.Wait(); err != nil {
		return latencies{}, "", fmt.Errorf("flood: %v\n%s", err, out.String())
	}
	return b, fmt.Sprintf("%s; supportd CPU %.0f %% of a core", strings.TrimSpace(out.String()), 100*serverCPU), nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2fx", x)
	}
	return strings.Join(parts, ", ")
}
