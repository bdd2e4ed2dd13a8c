package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"

	"github.com/google/uuid"
	_ "github.com/mattn/go-sqlite3" // the driver the store uses
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// maxGroup is the most calls the durable reference commits in one
// transaction.
const maxGroup = 256

// rowBytes pads the ticket and event rows of the durable reference to the
// size of supportd's (about 1 KB each).
const rowBytes = 1024

// serveBareDurable is the `supportbench bare-durable ADDR DB` mode: the
// durable-write limit. A plain grpc-go server (health, and CreateTicket of
// SupportService; no interceptors, no validation, no auth) whose handler
// hands each call to one writer goroutine; the writer takes every call
// waiting (up to maxGroup) into one SQLite transaction (WAL,
// synchronous=FULL, as supportd) that inserts per call a ~1 KB ticket row,
// a ~1 KB event row and an idempotency row, commits, then answers them.
func serveBareDurable(addr, path string) error {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(durableSchema); err != nil {
		return err
	}
	w, err := newGroupWriter(db)
	if err != nil {
		return err
	}
	go w.loop()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, h)
	supportv1.RegisterSupportServiceServer(srv, &durableServer{w: w})
	fmt.Println("bare-durable serving", lis.Addr())
	return srv.Serve(lis)
}

const durableSchema = `
CREATE TABLE IF NOT EXISTS tickets (id TEXT PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS idempotency (request_id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL) STRICT;
`

type durableServer struct {
	supportv1.UnimplementedSupportServiceServer
	w *groupWriter
}

// CreateTicket writes the three rows of a filing durably (group commit).
func (s *durableServer) CreateTicket(ctx context.Context, req *supportv1.CreateTicketRequest) (*supportv1.CreateTicketResponse, error) {
	c := &pendingCreate{requestID: req.GetRequestId(), ticketID: uuid.NewString(), done: make(chan error, 1)}
	c.ticket = padded(req.GetTitle(), req.GetDescription(), req.GetCustomerId(), req.GetContact().GetEmail())
	c.event = padded("CREATED", c.ticketID, req.GetTitle())
	select {
	case s.w.calls <- c:
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	if err := <-c.done; err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &supportv1.CreateTicketResponse{Ticket: &supportv1.Ticket{Id: c.ticketID, Title: req.GetTitle()}}, nil
}

// padded joins parts and pads them with spaces to rowBytes.
func padded(parts ...string) []byte {
	var b bytes.Buffer
	b.Grow(rowBytes)
	for _, p := range parts {
		b.WriteString(p)
		b.WriteByte('|')
	}
	for b.Len() < rowBytes {
		b.WriteByte(' ')
	}
	return b.Bytes()
}

type pendingCreate struct {
	requestID, ticketID string
	ticket, event       []byte
	done                chan error
}

type groupWriter struct {
	db    *sql.DB
	calls chan *pendingCreate
	stmts [3]*sql.Stmt
}

func newGroupWriter(db *sql.DB) (*groupWriter, error) {
	w := &groupWriter{db: db, calls: make(chan *pendingCreate, maxGroup)}
	for i, q := range []string{
		"INSERT INTO idempotency (request_id, ticket_id) VALUES (?, ?)",
		"INSERT INTO tickets (id, data) VALUES (?, ?)",
		"INSERT INTO events (ticket_id, data) VALUES (?, ?)",
	} {
		st, err := db.Prepare(q)
		if err != nil {
			return nil, err
		}
		w.stmts[i] = st
	}
	return w, nil
}

// loop takes the first waiting call, then every other waiting call up to
// maxGroup, and commits them in one transaction.
func (w *groupWriter) loop() {
	group := make([]*pendingCreate, 0, maxGroup)
	for c := range w.calls {
		group = append(group[:0], c)
	drain:
		for len(group) < maxGroup {
			select {
			case c := <-w.calls:
				group = append(group, c)
			default:
				break drain
			}
		}
		err := w.commit(group)
		for _, c := range group {
			c.done <- err
		}
	}
}

func (w *groupWriter) commit(group []*pendingCreate) error {
	tx, err := w.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	idem, tick, ev := tx.Stmt(w.stmts[0]), tx.Stmt(w.stmts[1]), tx.Stmt(w.stmts[2])
	for _, c := range group {
		if _, err := idem.Exec(c.requestID, c.ticketID); err != nil {
			return err
		}
		if _, err := tick.Exec(c.ticketID, c.ticket); err != nil {
			return err
		}
		if _, err := ev.Exec(c.ticketID, c.event); err != nil {
			return err
		}
	}
	return tx.Commit()
}
