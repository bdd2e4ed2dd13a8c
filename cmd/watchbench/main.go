// Command watchbench measures supportd's WatchTickets streams against a
// bare grpc-go broadcaster, side by side in one run, over loopback TCP:
//
//	go run ./cmd/watchbench [--streams 5000] [--conns 50] [--rate 25] [--duration 20s] [--idle-streams 10000]
//
// Deliveries: --streams WatchTickets streams (spread over --conns client
// connections) receive --rate events per second. supportd (--demo, on a
// fresh database, with the stream limits raised) gets its
// events from AddTicketNote calls of the demo partner at --rate, round
// robin over --tickets tickets, so every stream receives every event; the
// bare server (this program re-executed as `watchbench bare ADDR RATE
// PAYLOAD`) publishes a copy of an event a supportd stream received (same
// bytes, new sequence and time) from a timer. The client measures
// deliveries per second over --duration after --warmup, and the latency
// from the event's event_time (supportd: the change's commit time; bare:
// publish time) to its receipt, same machine clock.
//
// Idle memory: --idle-streams streams are opened on a fresh server that
// publishes nothing; the per-stream memory is the server's VmRSS with them
// open minus its VmRSS before, divided by their number.
//
// Across replicas (--phases replicas, replicas.go): two supportd replicas
// over one PostgreSQL database, half of the streams on each, the notes
// added on the first: the latency of the second's streams (events that
// reach it through PostgreSQL) beside the first's, in the same window.
//
// See bench/watch.sh.
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
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/benchkit"
)

type options struct {
	supportd    string
	streams     int
	conns       int
	rate        float64
	tickets     int
	warmup      time.Duration
	duration    time.Duration
	idleStreams int
	idleConns   int
	settle      time.Duration
	logLevel    string
	phases      string
	pprofDir    string
	keep        bool
	postgres    string
	// the saturation search (phase saturate)
	bound       time.Duration
	searchSteps int
	maxRate     float64
}

func main() {
	if len(os.Args) >= 4 && os.Args[1] == "bare" {
		payload := ""
		if len(os.Args) >= 5 {
			payload = os.Args[4]
		}
		if err := serveBare(os.Args[2], os.Args[3], payload); err != nil {
			fmt.Fprintln(os.Stderr, "watchbench bare:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.supportd, "supportd", "", "supportd binary (default: go build ./cmd/supportd into the work directory)")
	flag.IntVar(&o.streams, "streams", 5000, "concurrent WatchTickets streams of the delivery load")
	flag.IntVar(&o.conns, "conns", 50, "client connections the delivery streams are spread over")
	flag.Float64Var(&o.rate, "rate", 25, "events published per second")
	flag.IntVar(&o.tickets, "tickets", 100, "supportd tickets the notes go to, round robin (a ticket's snapshot grows with its notes)")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "publishing before the measurement (not counted)")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "measurement window of the delivery load")
	flag.IntVar(&o.idleStreams, "idle-streams", 10000, "streams of the idle-memory measurement")
	flag.IntVar(&o.idleConns, "idle-conns", 100, "client connections of the idle-memory measurement")
	flag.DurationVar(&o.settle, "settle", 3*time.Second, "wait before reading the RSS (after start, and after the idle streams opened)")
	flag.StringVar(&o.logLevel, "log-level", "info", "supportd --log-level (its JSON log goes to a file in the work directory)")
	flag.StringVar(&o.phases, "phases", "deliver,idle", "what to measure: deliver, idle, saturate (the saturation search, not in the default), replicas (two replicas over PostgreSQL: cross-replica against same-replica delivery)")
	flag.StringVar(&o.postgres, "postgres", "", "PostgreSQL database of the replicas phase (postgres:// URL of an empty database), or empty to start a throwaway cluster with durable settings")
	flag.DurationVar(&o.bound, "bound", time.Second, "saturate: every stream must get every event of the window within this latency")
	flag.IntVar(&o.searchSteps, "search-steps", 3, "saturate: bisections between the highest rate that passed and the lowest that failed")
	flag.Float64Var(&o.maxRate, "max-rate", 3200, "saturate: the highest rate tried")
	flag.StringVar(&o.pprofDir, "pprof-dir", "", "write supportd's CPU profile of the delivery window and heap/goroutine profiles of the idle streams into this directory")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.Parse()
	benchkit.Main("watchbench", func(ctx context.Context) error { return bench(ctx, o) })
}

// delivery is the outcome of a delivery load.
type delivery struct {
	name       string
	published  int64 // events published after the streams opened
	delivered  int64 // in the window
	events     int64 // all events received
	disorder   int64
	lost       int64 // supportd: streams x published - received (after the drain)
	p50, p99   time.Duration
	max        time.Duration
	avgBytes   float64
	cpu        time.Duration // server CPU in the window
	window     time.Duration
	pubErrors  int64
	firstPubEr error
	// commitP50, commitP99: supportd's AddTicketNote call, from the
	// client's call to its answer (the commit stage: the interceptors, the
	// writer's queue, the durable commit), over the whole run.
	commitP50, commitP99 time.Duration
	// Events of the window (event_time in it): the most any stream got
	// (the events published), the fewest, how many deliveries were later
	// than the bound, and the latest.
	winMost, winFewest, winLate int64
	winMax                      time.Duration
}

// withinBound is the saturation criterion: the events of the window came
// at --rate (at least 95 % of it: a publisher that fell behind published
// fewer), and every stream got every one of them within the bound.
func (d delivery) withinBound(o options) bool {
	return float64(d.winMost) >= 0.95*o.rate*d.window.Seconds() && d.winFewest == d.winMost && d.winLate == 0
}

func (d delivery) rate() float64 { return float64(d.delivered) / d.window.Seconds() }

func (d delivery) cpuPer() time.Duration {
	if d.delivered == 0 {
		return 0
	}
	return d.cpu / time.Duration(d.delivered)
}

func (d delivery) String() string {
	return fmt.Sprintf("%-9s %9.0f deliveries/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  %4.0f B/event  server CPU %5.2f us/delivery  (%d in window, %d out of order, %d undelivered after the drain)",
		d.name, d.rate(), ms(d.p50), ms(d.p99), ms(d.max), d.avgBytes, float64(d.cpuPer())/1e3, d.delivered, d.disorder, d.lost)
}

// percentile returns the q-quantile of ds (sorted in place).
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// idle is the outcome of an idle-memory measurement.
type idle struct {
	name       string
	base, open int64
	streams    int
}

func (i idle) perStream() float64 { return float64(i.open-i.base) / float64(i.streams) }

func (i idle) String() string {
	return fmt.Sprintf("%-9s RSS %6.1f MiB without streams, %6.1f MiB with %d idle streams: %6.0f B per stream",
		i.name, float64(i.base)/(1<<20), float64(i.open)/(1<<20), i.streams, i.perStream())
}

func bench(ctx context.Context, o options) error {
	w, err := benchkit.NewWork("watchbench-run-", o.supportd, o.pprofDir, o.keep)
	if err != nil {
		return err
	}
	defer w.Close()
	work, self := w.Dir, w.Self
	o.supportd = w.Supportd
	cfg := filepath.Join(work, "watch.yaml")
	limit := max(o.streams, o.idleStreams) + 100
	// The streams are opened at once with one key and many on each
	// connection: lift the rate and stream limits that would hold them back.
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "limits:\n  watch_streams_per_partner: %d\n  watch_streams_per_key: %d\n  requests_per_second: 1000000\n  burst: 1000000\n  streams_per_connection: %d\n", limit, limit, limit), 0o644); err != nil {
		return err
	}
	benchkit.PrintMachine()
	fmt.Printf("deliveries: %d streams over %d connections, %g events/s, %v warm-up + %v measured, loopback TCP\n",
		o.streams, o.conns, o.rate, o.warmup, o.duration)
	fmt.Printf("idle memory: %d streams over %d connections\n", o.idleStreams, o.idleConns)
	fmt.Printf("supportd: --demo, fresh database, limits.watch_streams_per_partner, watch_streams_per_key and streams_per_connection %d, no rate limit, --log-level %s --log-format json (to a file), --metrics-listen off\n\n", limit, o.logLevel)

	var sd, bd *delivery
	var si, bi *idle
	payload := ""
	if benchkit.Has(o.phases, "deliver") {
		d, sample, err := deliverSupportd(ctx, o, work, cfg)
		if err != nil {
			return err
		}
		sd = &d
		fmt.Println(*sd)
		if sample != nil {
			payload = filepath.Join(work, "payload.bin")
			if err := os.WriteFile(payload, sample, 0o644); err != nil {
				return err
			}
		}
		b, err := deliverBare(ctx, o, work, self, payload)
		if err != nil {
			return err
		}
		bd = &b
		fmt.Println(b)
	}
	if benchkit.Has(o.phases, "idle") {
		i, err := idleSupportd(ctx, o, work, cfg)
		if err != nil {
			return err
		}
		si = &i
		fmt.Println(i)
		b, err := idleBare(ctx, o, work, self)
		if err != nil {
			return err
		}
		bi = &b
		fmt.Println(b)
	}
	summarise(sd, bd, si, bi)
	if benchkit.Has(o.phases, "replicas") {
		same, cross, err := deliverReplicas(ctx, o, work, cfg)
		if err != nil {
			return err
		}
		fmt.Println(same)
		fmt.Println(cross)
		summariseReplicas(same, cross)
	}
	if benchkit.Has(o.phases, "saturate") {
		return saturate(ctx, o, work, cfg, self, payload)
	}
	return nil
}

func check(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func summarise(sd, bd *delivery, si, bi *idle) {
	if sd == nil && si == nil {
		return
	}
	fmt.Println()
	fmt.Printf("| %-26s | %12s | %12s | %12s | %-22s |\n", "", "bare grpc-go", "supportd", "supportd/bare", "target")
	fmt.Printf("|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 28), strings.Repeat("-", 14), strings.Repeat("-", 14), strings.Repeat("-", 15), strings.Repeat("-", 24))
	if sd != nil && bd != nil && bd.delivered > 0 {
		r := sd.rate() / bd.rate()
		fmt.Printf("| %-26s | %12.0f | %12.0f | %12.1f%% | >= 80 %%: %-13s |\n", "deliveries/s", bd.rate(), sd.rate(), 100*r, check(r >= 0.8))
		fmt.Printf("| %-26s | %12.2f | %12.2f | %12.2fx | %-22s |\n", "latency p50 (ms)", ms(bd.p50), ms(sd.p50), ms(sd.p50)/ms(bd.p50), "")
		r = ms(sd.p99) / ms(bd.p99)
		fmt.Printf("| %-26s | %12.2f | %12.2f | %12.2fx | <= 1.5x: %-13s |\n", "latency p99 (ms)", ms(bd.p99), ms(sd.p99), r, check(r <= 1.5))
		r = ms(sd.max) / ms(bd.max)
		fmt.Printf("| %-26s | %12.2f | %12.2f | %12.2fx | <= 2x: %-15s |\n", "latency max (ms)", ms(bd.max), ms(sd.max), r, check(r <= 2))
		fmt.Printf("| %-26s | %12s | %5.1f / %5.1f | %12s | %-22s |\n", "commit p50 / p99 (ms)", "-", ms(sd.commitP50), ms(sd.commitP99), "", "AddTicketNote call")
		fmt.Printf("| %-26s | %12.2f | %12.2f | %12.2fx | %-22s |\n", "server CPU (us/delivery)", float64(bd.cpuPer())/1e3, float64(sd.cpuPer())/1e3, float64(sd.cpuPer())/float64(bd.cpuPer()), "")
	}
	if si != nil && bi != nil {
		r := si.perStream() / bi.perStream()
		fmt.Printf("| %-26s | %12.0f | %12.0f | %12.2fx | <= 1.3x: %-13s |\n", "RSS per idle stream (B)", bi.perStream(), si.perStream(), r, check(r <= 1.3))
	}
	if sd != nil && (sd.lost != 0 || sd.disorder != 0 || sd.pubErrors != 0) {
		fmt.Printf("WARNING: supportd: %d events undelivered after the drain (lost or backlog), %d out of order, %d publish errors (first: %v)\n", sd.lost, sd.disorder, sd.pubErrors, sd.firstPubEr)
	}
}

func startSupportd(ctx context.Context, o options, work, name, cfg string) (*benchkit.Server, error) {
	return benchkit.StartSupportd(ctx, name, work, o.supportd, o.pprofDir != "",
		"--db", filepath.Join(work, name+".db"), "--metrics-listen", "",
		"--log-level", o.logLevel, "--log-format", "json", "--demo", "--config", cfg)
}

// measure runs the warm-up and the window over w and fills d's window
// figures; during the window it takes a CPU profile when asked.
func measure(ctx context.Context, o options, srv *benchkit.Server, w *watchers, d *delivery, profile string) {
	time.Sleep(o.warmup)
	from := time.Now()
	w.bound.Store(int64(o.bound))
	w.sampleAt.Store(from.Add(o.duration / 2).UnixNano())
	w.to.Store(from.Add(o.duration).UnixNano())
	w.from.Store(from.UnixNano())
	c0 := srv.CPUTime()
	var wg sync.WaitGroup
	if profile != "" && srv.Pprof != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			secs := max(1, int((o.duration - time.Second).Seconds()))
			if err := srv.Fetch(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), filepath.Join(o.pprofDir, profile)); err != nil {
				fmt.Fprintln(os.Stderr, "profile:", err)
			}
		}()
	}
	time.Sleep(time.Until(from.Add(o.duration)))
	d.cpu = srv.CPUTime() - c0
	d.window = o.duration
	wg.Wait()
	// The window's last events are due within the bound after it.
	time.Sleep(time.Until(from.Add(o.duration + o.bound + 500*time.Millisecond)))
}

// gather fills d from the streams' records (after w.close).
func gather(w *watchers, d *delivery) []byte {
	var lats []time.Duration
	var bytes int64
	d.winFewest = -1
	for _, st := range w.stats {
		d.winMost = max(d.winMost, st.winEvents)
		if d.winFewest < 0 || st.winEvents < d.winFewest {
			d.winFewest = st.winEvents
		}
		d.winLate += st.winLate
		d.winMax = max(d.winMax, st.winMax)
		lats = append(lats, st.lats...)
		bytes += st.bytes
		d.events += st.events
		d.disorder += st.disorder
	}
	slices.Sort(lats)
	d.delivered = int64(len(lats))
	if len(lats) > 0 {
		d.p50 = lats[len(lats)*50/100]
		d.p99 = lats[min(len(lats)-1, len(lats)*99/100)]
		d.max = lats[len(lats)-1]
		d.avgBytes = float64(bytes) / float64(len(lats))
	}
	return w.stats[0].sample
}

func deliverSupportd(ctx context.Context, o options, work, cfg string) (delivery, []byte, error) {
	d := delivery{name: "supportd"}
	srv, err := startSupportd(ctx, o, work, "supportd-deliver", cfg)
	if err != nil {
		return d, nil, err
	}
	defer srv.Stop()
	key, err := srv.DemoKey()
	if err != nil {
		return d, nil, err
	}
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return d, nil, err
	}
	defer conn.Close()
	client := supportv1.NewSupportServiceClient(conn)
	actx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	ids, err := createTickets(actx, client, o.tickets)
	if err != nil {
		return d, nil, err
	}
	w, err := openWatchers(ctx, srv.Addr, key, o.conns, o.streams/o.conns)
	if err != nil {
		return d, nil, err
	}
	// Publish: one AddTicketNote per tick.
	pub := startPublisher(actx, client, ids, o.rate)
	measure(ctx, o, srv, w, &d, "supportd-deliver.cpu.pprof")
	pub.halt()
	// Drain: every stream must get every event, once, in order.
	drain(pub.published.Load(), w)
	w.close()
	sample := gather(w, &d)
	pub.record(&d, w)
	return d, sample, nil
}

func deliverBare(ctx context.Context, o options, work, self, payload string) (delivery, error) {
	d := delivery{name: "bare"}
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return d, err
	}
	args := []string{"bare", addr, fmt.Sprint(o.rate)}
	if payload != "" {
		args = append(args, payload)
	}
	srv, err := benchkit.Start(ctx, "bare-deliver", work, addr, self, args...)
	if err != nil {
		return d, err
	}
	defer srv.Stop()
	w, err := openWatchers(ctx, srv.Addr, "", o.conns, o.streams/o.conns)
	if err != nil {
		return d, err
	}
	measure(ctx, o, srv, w, &d, "")
	w.close()
	gather(w, &d)
	return d, nil
}

func idleRSS(ctx context.Context, o options, srv *benchkit.Server, key, name string) (idle, error) {
	i := idle{name: name, streams: o.idleStreams}
	time.Sleep(o.settle)
	var err error
	if i.base, err = srv.RSS(); err != nil {
		return i, err
	}
	w, err := openWatchers(ctx, srv.Addr, key, o.idleConns, o.idleStreams/o.idleConns)
	if err != nil {
		return i, err
	}
	defer w.close()
	time.Sleep(o.settle)
	if i.open, err = srv.RSS(); err != nil {
		return i, err
	}
	if o.pprofDir != "" && srv.Pprof != "" {
		for _, p := range []string{"heap", "goroutine"} {
			if err := srv.Fetch(ctx, "/debug/pprof/"+p, filepath.Join(o.pprofDir, name+"-idle."+p+".pprof")); err != nil {
				fmt.Fprintln(os.Stderr, "profile:", err)
			}
		}
		// The text heap profile ends with runtime.MemStats: StackInuse
		// against HeapInuse says whether stacks or the heap hold the
		// streams' memory.
		if err := srv.Fetch(ctx, "/debug/pprof/heap?debug=1", filepath.Join(o.pprofDir, name+"-idle.memstats.txt")); err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
		}
	}
	return i, nil
}

func idleSupportd(ctx context.Context, o options, work, cfg string) (idle, error) {
	srv, err := startSupportd(ctx, o, work, "supportd-idle", cfg)
	if err != nil {
		return idle{}, err
	}
	defer srv.Stop()
	key, err := srv.DemoKey()
	if err != nil {
		return idle{}, err
	}
	return idleRSS(ctx, o, srv, key, "supportd")
}

func idleBare(ctx context.Context, o options, work, self string) (idle, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return idle{}, err
	}
	srv, err := benchkit.Start(ctx, "bare-idle", work, addr, self, "bare", addr, "0")
	if err != nil {
		return idle{}, err
	}
	defer srv.Stop()
	return idleRSS(ctx, o, srv, "", "bare")
}
