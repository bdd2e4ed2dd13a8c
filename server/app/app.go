// Package app assembles the supportd gRPC server: services, interceptors,
// health, reflection, keepalive, message limits, metrics, and graceful
// shutdown. cmd/supportd only wires flags and signals to it.
package app

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/ticket"
	"github.com/supportd/supportd/server/token"
	"github.com/supportd/supportd/server/watch"
)

// Message size limits of the server.
const (
	MaxRecvMsgSize = 1 << 20 // requests: a ticket is at most ~12 KB of text
	MaxSendMsgSize = 8 << 20 // responses: pages stop at api.MaxPageBytes (3 MiB)
)

// StreamWorkers is the number of goroutines that handle calls; calls
// beyond it get a goroutine of their own.
const StreamWorkers = 128

// Options configure an App; Store and Logger are required.
type Options struct {
	Store  store.Store
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Wait waits d or until ctx is done: how rate-limited calls are held
	// before they are refused (see MaxRefusalHold). A timer when nil;
	// tests whose clock stands still pass one that returns at once.
	Wait func(ctx context.Context, d time.Duration)
	// The watch hub subscribes to Store's commits (SubscribeCommits): no
	// hook to wire.
	// Config holds response targets, escalation, calendars and watch
	// settings; config.Default() when nil.
	Config *config.Config
	// SweepRound, if set, is called after each round of the background
	// escalation loop, so that tests can see the loop has run instead of
	// sleeping; nil in production.
	SweepRound func()
	// GracePeriod bounds how long Shutdown waits for in-flight calls
	// (default 10s).
	GracePeriod time.Duration
	// TLS, if set, makes the server speak TLS only (see CertReloader's
	// ServerConfig); nil serves plaintext (see CheckPlaintext).
	TLS *tls.Config
}

// App is a supportd server.
type App struct {
	opts     Options
	grpc     *grpc.Server
	health   *health.Server
	registry *prometheus.Registry
	// streams is cancelled at shutdown: every server stream ends with it.
	streams  context.Context
	stop     context.CancelFunc
	draining atomic.Bool
	hub      *watch.Hub
	// domain and commits: the domain metrics and the commit subscription feeding them.
	domain  *domainMetrics
	commits *store.CommitSubscription
	tickets *ticket.Service
	authn   *auth.Authenticator
	workers sync.WaitGroup
	storage *storageWatch
	// attachments is the attachment service (its janitor sweeps staged uploads).
	attachments *ticket.Attachments
	// httpHandler serves the same services over HTTP (see ServeHTTP);
	// httpServers are the servers ServeHTTP started, stopped by Shutdown.
	httpHandler http.Handler
	httpMu      sync.Mutex
	httpServers []*http.Server
}

// New builds the server; it does not listen yet.
func New(ctx context.Context, opts Options) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Wait == nil {
		opts.Wait = sleep
	}
	if opts.GracePeriod <= 0 {
		opts.GracePeriod = 10 * time.Second
	}
	if opts.Config == nil {
		opts.Config = config.Default()
	}
	policy, err := opts.Config.Policy()
	if err != nil {
		return nil, err
	}
	// A store shared by several replicas tells of their key changes.
	keyChanges, _ := opts.Store.(store.KeyChangeSource)
	// Every service writes through the watch, which sees a full disk.
	storage := newStorageWatch(opts.Store, opts.Logger)
	opts.Store = storage
	key, err := token.LoadKey(ctx, opts.Store)
	if err != nil {
		return nil, err
	}
	tokens := token.NewSigner(key)
	authn := auth.NewAuthenticator(opts.Store, opts.Now,
		auth.WithUnknownKeyCache(opts.Config.Limits.UnknownKeysCached, opts.Config.Limits.UnknownKeyTTL))
	if keyChanges != nil {
		// Every replica refuses a revoked key at once and ends its
		// streams, and forgets that a new key's id was unknown.
		keyChanges.OnKeyRevoked(authn.Revoked)
		keyChanges.OnKeyCreated(authn.Forget)
	}
	dir := directory.New(opts.Store, opts.Now, authn, api.AuditJSON)

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	registry.MustRegister(metrics, storage.gauge(), storage.unavailableGauge())

	opts.Logger = slog.New(clippingHandler{opts.Logger.Handler()})
	limits := opts.Config.Limits
	streams, stop := context.WithCancel(context.Background())
	// The ticket messages the handlers answer with, and their encodings,
	// which the codec copies into responses.
	ticketMessages := api.NewTicketMessages(limits.CachedTickets)
	serverOpts := append(chain(metrics, authn, newKeyRate(limits, opts.Now, opts.Wait, opts.Logger), api.NewSuspensionGate(dir, opts.Logger), ticketMessages, opts.Logger, opts.Config, opts.Now, streams),
		grpc.MaxConcurrentStreams(uint32(limits.StreamsPerConnection)),
		grpc.MaxRecvMsgSize(MaxRecvMsgSize),
		grpc.MaxSendMsgSize(MaxSendMsgSize),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		// Reused handler goroutines keep their grown stacks: a fresh
		// goroutine per call spent ~10 % of the CPU of a GetTicket in
		// runtime.morestack (interceptors, database/sql and cgo are deep).
		grpc.NumStreamWorkers(StreamWorkers),
	)
	if opts.TLS != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(opts.TLS)))
	}
	srv := grpc.NewServer(serverOpts...)
	a := &App{opts: opts, grpc: srv, health: health.NewServer(), registry: registry, streams: streams, stop: stop, storage: storage, authn: authn}

	supportv1.RegisterDirectoryServiceServer(srv, api.NewDirectory(dir, tokens, opts.Logger))
	tickets := ticket.New(opts.Store, policy, opts.Now,
		ticket.WithNoteLimits(opts.Config.Limits.NoteBytes, opts.Config.Limits.NotesPerTicket))
	hub, err := watch.NewHub(ctx, opts.Store, watch.Options{
		CheckpointInterval:   opts.Config.Watch.CheckpointInterval,
		MaxStreamsPerPartner: opts.Config.Limits.WatchStreamsPerPartner,
		MaxStreamsPerKey:     opts.Config.Limits.WatchStreamsPerKey,
		Encode:               api.EventEncoder(tokens),
		Logger:               opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	a.hub, a.tickets = hub, tickets
	watcher := api.NewWatcher(hub, tokens, opts.Logger, opts.Now)
	attachments := ticket.NewAttachments(tickets, ticket.AttachmentLimits{
		MaxBytes: opts.Config.Limits.AttachmentBytes, PerTicket: opts.Config.Limits.AttachmentsPerTicket})
	a.attachments = attachments
	supportv1.RegisterSupportServiceServer(srv, api.NewSupport(tickets, attachments, watcher, tokens, ticketMessages, opts.Logger))
	supportv1.RegisterAgentServiceServer(srv, api.NewAgent(tickets, attachments, watcher, tokens, opts.Logger))
	healthpb.RegisterHealthServer(srv, drainingHealth{Server: a.health, done: streams.Done(), watches: newHealthWatchSlots(limits.HealthWatches, opts.Logger)})
	if err := registerReflection(srv); err != nil {
		return nil, err
	}
	metrics.InitializeMetrics(srv)
	// After every service is registered: the transcoder serves those it sees.
	if a.httpHandler, err = newHTTPHandler(a, opts.Config.HTTP.CORSOrigins); err != nil {
		return nil, err
	}

	a.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	for _, name := range []string{
		supportv1.DirectoryService_ServiceDesc.ServiceName,
		supportv1.SupportService_ServiceDesc.ServiceName,
		supportv1.AgentService_ServiceDesc.ServiceName,
	} {
		a.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	storage.attach(a.health)
	a.domain, a.commits = newDomainMetrics(registry, hub), opts.Store.SubscribeCommits()
	a.startWorkers()
	return a, nil
}

// GRPCServer exposes the underlying server (for tests over bufconn).
func (a *App) GRPCServer() *grpc.Server { return a.grpc }

// Serve accepts connections on lis until Shutdown, at most
// limits.max_connections at a time: beyond that, Accept waits until a
// connection closes (netutil.LimitListener), so new clients queue in the
// kernel's accept backlog (and time out there if none closes) while the
// connections already served are unaffected.
func (a *App) Serve(lis net.Listener) error {
	return a.grpc.Serve(netutil.LimitListener(lis, a.opts.Config.Limits.MaxConnections))
}

// MetricsHandler serves /metrics (Prometheus) and /healthz (200 while
// serving, 503 once draining). While the disk is full /healthz still
// answers 200 (reads are served) and says "storage full" on its second
// line; see StorageHealthService. So while the database cannot be
// reached ("database unavailable"; see DatabaseHealthService).
func (a *App) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if a.draining.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		msg := "ok\n"
		if a.storage.Full() {
			msg += "storage full: writes fail until disk space is freed\n"
		}
		if a.storage.Unavailable() {
			msg += "database unavailable: calls fail with UNAVAILABLE until it can be reached again\n"
		}
		_, _ = w.Write([]byte(msg))
	})
	return mux
}

// Shutdown drains the server: health reports NOT_SERVING, open streams are
// cancelled, in-flight unary calls finish, and after the grace period (or
// when ctx ends) remaining connections are closed.
func (a *App) Shutdown(ctx context.Context) {
	a.draining.Store(true)
	a.health.Shutdown()
	a.stop()
	a.hub.Close()
	a.workers.Wait()
	done := make(chan struct{})
	httpDone := make(chan struct{})
	go func() {
		a.shutdownHTTP(ctx)
		close(httpDone)
	}()
	go func() {
		a.grpc.GracefulStop()
		<-httpDone // HTTP calls run in the gRPC server's handlers
		close(done)
	}()
	timer := time.NewTimer(a.opts.GracePeriod)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		a.grpc.Stop()
		<-done
	case <-ctx.Done():
		a.grpc.Stop()
		<-done
	}
}
