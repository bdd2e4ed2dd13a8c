// Package store defines the storage interface of supportd: small, with
// closure transactions, so that the SQLite backend (package store/sqlite)
// and any later backend pass the same test suite (package store/storetest).
//
// Only store backends speak SQL. Callers never see driver errors: a backend
// returns the sentinel errors of this package (wrapped with context) or an
// opaque internal error.
//
// Commit notifications are part of the contract (Store.SubscribeCommits):
// the watch hub learns of new events from them, so a backend that forgets
// one leaves live watches waiting. A backend must publish (through a
// CommitFeed) every commit that appended events, in commit order, once it
// is durable and visible to new read transactions and never before, and
// before it answers the transactions of that commit. It passes the
// committed events when it has them at hand (its own writer) and nil
// otherwise (for example another replica's commit learnt through LISTEN,
// which carries only the last sequence): subscribers then read the log.
// Publishing never waits for a subscriber. storetest checks all of this.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/supportd/supportd/server/domain"
)

// Sentinel errors every backend returns, wrapped, so callers can test them
// with errors.Is.
var (
	// ErrNotFound: the record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a record with the same key exists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: the record changed since the version the caller read.
	ErrConflict = errors.New("version conflict")
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("store closed")
	// ErrInUse: the database is open in another process (Open refuses a
	// database another store holds; see the backend for the lock).
	ErrInUse = errors.New("database in use")
	// ErrStorageFull: the disk (or quota) holding the database is full;
	// nothing of the write was kept. Reads still work, and writes work
	// again once space is freed.
	ErrStorageFull = errors.New("storage full")
	// ErrUnavailable: the database server cannot be reached (restarting,
	// network down). A retry later may succeed: the store reconnects by
	// itself. A write that fails with it while committing may have been
	// kept (the answer was lost): creates are retried with their request
	// id, updates with the version read.
	ErrUnavailable = errors.New("database unavailable")
)

// Store is a transactional store. Write transactions are serialised (one
// writer); read transactions see a consistent committed snapshot and run
// concurrently with each other and with the writer.
type Store interface {
	// ReadTx runs fn in a read-only snapshot transaction.
	ReadTx(ctx context.Context, fn func(tx Reader) error) error
	// ReadWriteTx runs fn in a write transaction. If fn returns an error,
	// nothing fn wrote is kept and that error is returned. When it returns
	// nil, the change and the events fn appended are durable.
	ReadWriteTx(ctx context.Context, fn func(tx ReadWriter) error) error
	// ReadTicket returns the newest committed version of a ticket, as a
	// ReadTx calling Reader.GetTicket would, but a backend may answer it
	// from memory, without a transaction. It never returns a version older
	// than one a finished ReadWriteTx wrote or any read returned. Read in
	// a ReadTx instead when the ticket must be in one snapshot with other
	// records.
	ReadTicket(ctx context.Context, id string) (domain.Ticket, error)
	// SubscribeCommits returns a subscription to the commits that append
	// events from now on (see Commit and CommitFeed); Close it when done.
	SubscribeCommits() *CommitSubscription
	// Close waits for pending writes and releases the database.
	Close() error
}

// KeyChangeSource is implemented by the backends that several processes
// share (PostgreSQL): they tell of every key creation and revocation that
// commits, in any of those processes, so that each refuses a revoked key
// at once and ends the streams held with it (see auth.Authenticator.Revoked),
// and none goes on refusing a new key whose id it had found unknown (see
// auth.Authenticator.Forget).
//
// When the backend may have missed changes (it lost its connection to the
// database and got it back), it calls every registered fn with the empty
// id: any key may have changed, forget them all.
type KeyChangeSource interface {
	// OnKeyRevoked registers fn, called with the id of each key whose
	// revocation commits. fn must not block.
	OnKeyRevoked(fn func(keyID string))
	// OnKeyCreated registers fn, called with the id of each key whose
	// creation commits. fn must not block.
	OnKeyCreated(fn func(keyID string))
}

// Page asks for at most Limit records after the keyset cursor After (an
// opaque key the backend produced, empty for the first page). A Limit
// that is not positive asks for DefaultPageSize.
type Page struct {
	After string
	Limit int
}

// DefaultPageSize is the size of a page whose limit is not positive: the
// API's default page size too (api.DefaultPageSize).
const DefaultPageSize = 50

// Size returns the number of records p asks for.
func (p Page) Size() int { return LimitOr(p.Limit, DefaultPageSize) }

// LimitOr returns limit, or def when limit is not positive: the one rule
// of the backends for a limit left unset.
func LimitOr(limit, def int) int {
	if limit <= 0 {
		return def
	}
	return limit
}

// TicketFilter narrows ListTickets. PartnerID is required (listings are
// always within one tenant); the other zero fields do not filter.
type TicketFilter struct {
	PartnerID  string
	CustomerID string
	Service    domain.Service
	Status     domain.TicketStatus
}

// EventFilter narrows ListEvents; zero fields do not filter. Only ticket
// events (with a ticket id) match a filter with PartnerID, TicketID or
// Queue set.
type EventFilter struct {
	PartnerID  string
	CustomerID string
	TicketID   string
	// Queue keeps the events whose ticket is in this queue after the
	// change.
	Queue domain.Queue
}

// APIKey is a stored API key: never its secret, only the secret's hash.
type APIKey struct {
	ID         string
	Hash       []byte
	Role       domain.Role
	PartnerID  string
	CreateTime time.Time
	RevokeTime time.Time // zero while valid
	ExpireTime time.Time // zero: never expires
}

// AuditFilter narrows ListAuditEvents; zero fields do not filter. Start and
// End bound the event time to [Start, End).
type AuditFilter struct {
	Actor      string
	Kind       domain.AuditKind
	Start, End time.Time
}

// Idempotency records the first result of a create with a client request id.
type Idempotency struct {
	PartnerID   string
	RequestID   string
	RequestHash []byte
	TicketID    string
	CreateTime  time.Time
}

// AttachmentRequest says who uploaded an attachment under which client
// request id: request ids are unique per owner.
type AttachmentRequest struct {
	// Owner is the uploader's scope: "partner:<id>" (every key of a
	// partner shares it) or "agent:<key id>".
	Owner       string
	RequestID   string
	RequestHash []byte // fingerprint of the request, to detect a reused id
}

// Reader reads committed state.
type Reader interface {
	GetPartner(ctx context.Context, id string) (domain.Partner, error)
	ListPartners(ctx context.Context, p Page) ([]domain.Partner, error)
	GetCustomer(ctx context.Context, id string) (domain.Customer, error)
	ListCustomers(ctx context.Context, partnerID string, p Page) ([]domain.Customer, error)
	GetSubscription(ctx context.Context, id string) (domain.Subscription, error)
	ListSubscriptions(ctx context.Context, customerID string) ([]domain.Subscription, error)
	ListContracts(ctx context.Context, partnerID string) ([]domain.Contract, error)
	GetAPIKey(ctx context.Context, id string) (APIKey, error)
	ListAPIKeys(ctx context.Context, partnerID string) ([]APIKey, error)

	// ListTopics lists one service's topics: featured first, then by rank.
	ListTopics(ctx context.Context, service domain.Service) ([]domain.Topic, error)
	GetTopic(ctx context.Context, id string) (domain.Topic, error)

	GetTicket(ctx context.Context, id string) (domain.Ticket, error)
	// ListTickets lists tickets newest first (descending id); Page.After is
	// the id of the last ticket of the previous page.
	ListTickets(ctx context.Context, f TicketFilter, p Page) ([]domain.Ticket, error)
	// ListQueueTickets lists a queue's open tickets (not RESOLVED or
	// CLOSED): priority first, then by response deadline, then id.
	// Page.After is the cursor returned with the previous page.
	ListQueueTickets(ctx context.Context, q domain.Queue, p Page) (tickets []domain.Ticket, next string, err error)
	// ListDueTickets lists up to limit tickets without a first response,
	// not closed, whose next escalation instant (warning or breach not yet
	// fired) is at or before now, through an index.
	//
	// In a write transaction it claims them: it skips the tickets another
	// write transaction holds (a sweep of another replica at work on
	// them) and holds those it lists until this transaction ends, so that
	// concurrent sweeps share the due tickets out instead of colliding on
	// the same ones. A backend whose write transactions never overlap
	// (one writer) has nothing to skip.
	ListDueTickets(ctx context.Context, now time.Time, limit int) ([]domain.Ticket, error)
	GetIdempotency(ctx context.Context, partnerID, requestID string) (Idempotency, error)

	// ListNotes lists up to limit notes of a ticket whose id is above
	// after, oldest first (ascending id). An unknown ticket has no notes.
	ListNotes(ctx context.Context, ticketID string, after int64, limit int) ([]domain.Note, error)

	// ListEvents lists up to limit events with a sequence above after, in
	// sequence order, each with the note it carries (see AppendEvent).
	ListEvents(ctx context.Context, after int64, f EventFilter, limit int) ([]domain.Event, error)
	// LastSequence is the highest committed event sequence (0 if none).
	LastSequence(ctx context.Context) (int64, error)
	// FirstSequence is the lowest retained event sequence (0 if none).
	FirstSequence(ctx context.Context) (int64, error)

	// GetSetting returns a server setting; ErrNotFound if unset.
	GetSetting(ctx context.Context, name string) ([]byte, error)

	// GetAttachment returns a committed attachment's metadata;
	// ErrNotFound otherwise (a staged upload is not an attachment).
	GetAttachment(ctx context.Context, id string) (domain.Attachment, error)
	// ListAttachments lists a ticket's attachments in the order they were
	// committed, oldest first. Page.After is the cursor returned with the
	// previous page; next is empty when no attachment follows.
	ListAttachments(ctx context.Context, ticketID string, p Page) (atts []domain.Attachment, next string, err error)
	// GetAttachmentByRequest returns the attachment owner committed with
	// requestID, and that request's hash; ErrNotFound if none.
	GetAttachmentByRequest(ctx context.Context, owner, requestID string) (domain.Attachment, []byte, error)
	// GetAttachmentChunk returns chunk n (from 0) of an attachment's
	// content; ErrNotFound past the last chunk. A download reads one
	// chunk per read transaction, never the whole content at once.
	GetAttachmentChunk(ctx context.Context, attachmentID string, n int) ([]byte, error)
	// ListStagedUploads lists up to limit staged (uncommitted) uploads
	// whose last chunk was staged before t, oldest first. In a write
	// transaction it claims them as ListDueTickets claims tickets:
	// uploads another write transaction holds are skipped, the listed
	// ones are held until this transaction ends.
	ListStagedUploads(ctx context.Context, before time.Time, limit int) ([]string, error)

	// ListAuditEvents lists up to p.Limit audit events matching f, newest
	// first (descending id); Page.After is the decimal id of the last event
	// of the previous page.
	ListAuditEvents(ctx context.Context, f AuditFilter, p Page) ([]domain.AuditEvent, error)
}

// Writer changes state. Every method that changes a ticket must be paired
// by the caller with AppendEvent in the same transaction, every method that
// changes the directory or a key with AppendAudit.
type Writer interface {
	CreatePartner(ctx context.Context, p domain.Partner) error
	UpdatePartner(ctx context.Context, p domain.Partner) error
	CreateCustomer(ctx context.Context, c domain.Customer) error
	CreateSubscription(ctx context.Context, s domain.Subscription) error
	UpdateSubscription(ctx context.Context, s domain.Subscription) error
	CreateContract(ctx context.Context, c domain.Contract) error
	CreateAPIKey(ctx context.Context, k APIKey) error
	// RevokeAPIKey sets the key's revoke time; ErrNotFound if unknown.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error

	// UpsertTopic creates or replaces a catalogue topic.
	UpsertTopic(ctx context.Context, t domain.Topic) error

	// CreateTicket stores a new ticket (its Version must be 1).
	CreateTicket(ctx context.Context, t domain.Ticket) error
	// UpdateTicket replaces a ticket whose stored version is t.Version-1;
	// ErrConflict otherwise.
	UpdateTicket(ctx context.Context, t domain.Ticket) error
	// PutIdempotency records a create's request id; ErrAlreadyExists if the
	// partner already used it.
	PutIdempotency(ctx context.Context, i Idempotency) error
	// DeleteIdempotencyBefore forgets request ids recorded before t and
	// returns how many. Like the other deletes of the janitor
	// (DeleteEventsBefore) it skips the rows another write transaction
	// holds (a janitor of another replica deleting them): replicas pruning
	// together never wait for each other, and their counts add up to what
	// was deleted.
	DeleteIdempotencyBefore(ctx context.Context, t time.Time) (int64, error)

	// AddNote stores a note of ticket n.TicketID under its number n.ID,
	// which the caller assigns (the ticket's next note number, see
	// domain.Ticket.NoteCount) in the transaction that updates the
	// ticket. ErrAlreadyExists if the ticket has a note n.ID; ErrNotFound
	// if the ticket does not exist.
	AddNote(ctx context.Context, n domain.Note) error

	// AppendEvent appends e to the event log and returns its sequence.
	// e.Note, when set, is recorded by reference: it must be a note
	// already stored (AddNote, ErrNotFound otherwise), and ListEvents
	// returns the stored note with the event. So is e.Attachment: it must
	// be created (CreateAttachment) in the same transaction or earlier.
	AppendEvent(ctx context.Context, e domain.Event) (int64, error)
	// DeleteEventsBefore drops events older than t from the log, never the
	// newest one, and returns how many it dropped; rows another write
	// transaction holds are skipped (see DeleteIdempotencyBefore).
	DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error)

	// PutSetting creates or replaces a server setting.
	PutSetting(ctx context.Context, name string, value []byte) error
	// CreateSetting creates a server setting; ErrAlreadyExists if it is
	// set, also when a concurrent transaction (of another replica) set it
	// first: a value created once and then shared (a signing key) must
	// not be replaced by a second creator that read it unset.
	CreateSetting(ctx context.Context, name string, value []byte) error

	// StageAttachmentChunk stores chunk n (from 0) of an upload's content,
	// staged under uploadID until CreateAttachment commits it, and marks
	// the upload active at instant at. Chunk 0 opens the upload; a later
	// chunk requires the upload still staged (ErrNotFound once discarded
	// or swept), so that an attachment never commits with chunks missing.
	// Callers stage a chunk or a few per write transaction, so that an
	// upload never holds the writer for its whole length.
	StageAttachmentChunk(ctx context.Context, uploadID string, n int, data []byte, at time.Time) error
	// CreateAttachment commits the upload a.ID as attachment a, numbered
	// after the ticket's other attachments: its content is the chunks
	// chunks staged under a.ID (none for an empty file), which stop being
	// staged. ErrNotFound if chunks > 0 and the upload is not staged;
	// ErrAlreadyExists if r.Owner already used r.RequestID; an error if
	// the staged chunks are not chunks chunks of a.SizeBytes bytes in all.
	CreateAttachment(ctx context.Context, a domain.Attachment, chunks int, r AttachmentRequest) error
	// DiscardStagedUpload deletes a staged upload and its chunks; it does
	// nothing if uploadID is not staged (a committed attachment's content
	// is never deleted by it).
	DiscardStagedUpload(ctx context.Context, uploadID string) error

	// AppendAudit appends e (its ID is ignored) to the audit trail and
	// returns the id it got. Nothing prunes the trail.
	AppendAudit(ctx context.Context, e domain.AuditEvent) (int64, error)
}

// ReadWriter is the view of a write transaction.
type ReadWriter interface {
	Reader
	Writer
}
