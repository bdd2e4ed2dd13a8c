package app

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/watch"
)

// domainMetrics are the metrics of what happens to tickets and to the
// store, next to the gRPC ones. They are fed by the store's commit
// notifications (followCommits): the events of this process's commits,
// counted once each. Commits of other processes (a shared PostgreSQL
// database) come without their events and are counted by the process that
// made them; so are the events of a subscription that fell over
// store.MaxPendingCommits behind (then some go uncounted: these are
// operational metrics, not an audit).
type domainMetrics struct {
	created   *prometheus.CounterVec
	sla       *prometheus.CounterVec
	escalated *prometheus.CounterVec
	writes    prometheus.Histogram
	commit    prometheus.Histogram

	mu       sync.Mutex
	counted  int64         // highest commit sequence counted
	advanced chan struct{} // closed (and replaced) when counted grows
}

func newDomainMetrics(reg prometheus.Registerer, hub *watch.Hub) *domainMetrics {
	m := &domainMetrics{
		created: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_tickets_created_total",
			Help: "Tickets filed, by queue and severity."}, []string{"queue", "severity"}),
		sla: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_sla_events_total",
			Help: "SLA stages reached without a first response, by queue and stage (warning, breached)."}, []string{"queue", "stage"}),
		escalated: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportd_escalations_total",
			Help: "Escalations (by the partner or automatic), by queue."}, []string{"queue"}),
		writes: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "supportd_store_commit_writes",
			Help:    "Write transactions committed together per commit (group commit) that appended events.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "supportd_store_commit_seconds",
			Help:    "Time from the start of a commit that appended events to its being durable.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
		advanced: make(chan struct{}),
	}
	streams := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "supportd_watch_streams",
		Help: "Open watch streams."}, func() float64 { return float64(hub.Streams()) })
	reg.MustRegister(m.created, m.sla, m.escalated, m.writes, m.commit, streams)
	return m
}

// observe counts one commit.
func (m *domainMetrics) observe(c store.Commit) {
	if c.Writes > 0 {
		m.writes.Observe(float64(c.Writes))
		m.commit.Observe(c.Took.Seconds())
	}
	for _, e := range c.Events {
		if e.Ticket == nil {
			continue
		}
		queue := string(e.Ticket.Queue)
		switch e.Type {
		case domain.EventCreated:
			m.created.WithLabelValues(queue, string(e.Ticket.Severity)).Inc()
		case domain.EventSLAWarning:
			m.sla.WithLabelValues(queue, "warning").Inc()
		case domain.EventSLABreached:
			m.sla.WithLabelValues(queue, "breached").Inc()
		case domain.EventEscalated:
			m.escalated.WithLabelValues(queue).Inc()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.Last > m.counted {
		m.counted = c.Last
		close(m.advanced)
		m.advanced = make(chan struct{})
	}
}

// WaitMetrics returns once the domain metrics have counted every commit up
// to the event sequence seq (or ctx's error): a caller that wrote and
// then scrapes /metrics sees its write counted.
func (a *App) WaitMetrics(ctx context.Context, seq int64) error {
	m := a.domain
	for {
		m.mu.Lock()
		counted, advanced := m.counted, m.advanced
		m.mu.Unlock()
		if counted >= seq {
			return nil
		}
		select {
		case <-advanced:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// followCommits feeds m from sub until shutdown.
func (a *App) followCommits(sub *store.CommitSubscription, m *domainMetrics) {
	defer sub.Close()
	var buf []store.Commit
	for {
		select {
		case <-a.streams.Done():
			return
		case <-sub.Ready():
		}
		buf = sub.Take(buf[:0])
		for _, c := range buf {
			m.observe(c)
		}
		clear(buf)
	}
}
