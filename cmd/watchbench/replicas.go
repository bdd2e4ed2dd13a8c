package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/benchkit"
	"github.com/supportd/supportd/internal/pgcluster"
)

// The replicas phase: two supportd replicas A and B over one PostgreSQL
// database (a throwaway cluster with durable defaults, or --postgres).
// Half of the --streams watch on A, half on B; the notes are added on A
// only, at --rate. A's streams get A's own commits (handed to its hub by
// its writer), B's get them through PostgreSQL (NOTIFY, then B's hub reads
// the events from the table): the same events, measured over the same
// window, give the same-replica and the cross-replica delivery latency
// side by side.

// deliverReplicas runs the replicas phase and returns A's and B's
// deliveries.
func deliverReplicas(ctx context.Context, o options, work, cfg string) (same, cross delivery, err error) {
	same, cross = delivery{name: "same-replica"}, delivery{name: "cross-replica"}
	db := o.postgres
	if db == "" {
		bin, err := pgcluster.FindBin()
		if err != nil {
			return same, cross, err
		}
		c, err := pgcluster.Start(bin, pgcluster.Options{Durable: true})
		if err != nil {
			return same, cross, fmt.Errorf("start PostgreSQL: %w", err)
		}
		defer func() {
			if err := c.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "stop PostgreSQL:", err)
			}
		}()
		if db, err = c.CreateDatabase(ctx, "watchbench"); err != nil {
			return same, cross, err
		}
		fmt.Printf("replicas: 2 supportd over a throwaway PostgreSQL cluster from %s (durable defaults), %d streams on each, notes added on the first\n", bin, o.streams/2)
	}
	// One after the other: A seeds the demo directory, B mints its own
	// keys in it.
	var replicas []*benchkit.Server
	for _, name := range []string{"supportd-replica-a", "supportd-replica-b"} {
		srv, err := benchkit.StartSupportd(ctx, name, work, o.supportd, o.pprofDir != "",
			"--db", db, "--metrics-listen", "", "--log-level", o.logLevel, "--log-format", "json", "--demo", "--config", cfg)
		if err != nil {
			return same, cross, err
		}
		defer srv.Stop()
		replicas = append(replicas, srv)
	}
	a, b := replicas[0], replicas[1]
	key, err := a.DemoKey()
	if err != nil {
		return same, cross, err
	}
	conn, err := grpc.NewClient(a.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return same, cross, err
	}
	defer conn.Close()
	client := supportv1.NewSupportServiceClient(conn)
	actx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	ids, err := createTickets(actx, client, o.tickets)
	if err != nil {
		return same, cross, err
	}
	half := max(1, o.conns/2)
	perConn := max(1, o.streams/2/half)
	wa, err := openWatchers(ctx, a.Addr, key, half, perConn)
	if err != nil {
		return same, cross, err
	}
	wb, err := openWatchers(ctx, b.Addr, key, half, perConn)
	if err != nil {
		wa.close()
		return same, cross, err
	}
	pub := startPublisher(actx, client, ids, o.rate)
	time.Sleep(o.warmup)
	from := time.Now()
	for _, w := range []*watchers{wa, wb} {
		w.to.Store(from.Add(o.duration).UnixNano())
		w.from.Store(from.UnixNano())
	}
	ca, cb := a.CPUTime(), b.CPUTime()
	time.Sleep(time.Until(from.Add(o.duration)))
	same.cpu, cross.cpu = a.CPUTime()-ca, b.CPUTime()-cb
	same.window, cross.window = o.duration, o.duration
	pub.halt()
	drain(pub.published.Load(), wa, wb)
	wa.close()
	wb.close()
	gather(wa, &same)
	gather(wb, &cross)
	pub.record(&same, wa)
	pub.record(&cross, wb)
	return same, cross, nil
}

// summariseReplicas prints the cross-replica delivery against the
// same-replica one.
func summariseReplicas(same, cross delivery) {
	fmt.Println()
	fmt.Printf("| %-26s | %12s | %13s | %13s |\n", "two replicas on PostgreSQL", "same replica", "cross replica", "cross/same")
	fmt.Printf("|%s|%s|%s|%s|\n", "----------------------------", "--------------", "---------------", "---------------")
	fmt.Printf("| %-26s | %12.0f | %13.0f | %12.2fx |\n", "deliveries/s", same.rate(), cross.rate(), cross.rate()/same.rate())
	for _, row := range []struct {
		what string
		a, b time.Duration
	}{{"latency p50 (ms)", same.p50, cross.p50}, {"latency p99 (ms)", same.p99, cross.p99}, {"latency max (ms)", same.max, cross.max}} {
		fmt.Printf("| %-26s | %12.2f | %13.2f | %12.2fx |\n", row.what, ms(row.a), ms(row.b), ms(row.b)/ms(row.a))
	}
	fmt.Printf("| %-26s | %5.1f / %5.1f | %13s | %13s |\n", "commit p50 / p99 (ms)", ms(same.commitP50), ms(same.commitP99), "-", "AddTicketNote on A")
	fmt.Printf("| %-26s | %12.2f | %13.2f | %12.2fx |\n", "server CPU (us/delivery)", float64(same.cpuPer())/1e3, float64(cross.cpuPer())/1e3, float64(cross.cpuPer())/float64(same.cpuPer()))
	for _, d := range []delivery{same, cross} {
		if d.lost != 0 || d.disorder != 0 || d.pubErrors != 0 {
			fmt.Printf("WARNING: %s: %d events undelivered after the drain (lost or backlog), %d out of order, %d publish errors (first: %v)\n", d.name, d.lost, d.disorder, d.pubErrors, d.firstPubEr)
		}
	}
}
