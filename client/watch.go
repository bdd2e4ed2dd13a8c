package client

import (
	"context"
	"errors"
	"io"
	"iter"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// Watch is a self-resuming watch stream. Iterate over Events once; between
// reconnections it resumes from the last event or checkpoint token, so the
// sequence it yields has no gap and no duplicate. ResumeToken may be read at
// any time (also from another goroutine) and saved to resume later.
type Watch struct {
	c     *conn
	ctx   context.Context
	open  func(ctx context.Context, token string) (recv func() (*supportv1.TicketEvent, *supportv1.Checkpoint, error), err error)
	hooks watchHooks

	mu      sync.Mutex
	token   string
	lastSeq int64
}

// WatchOption configures a watch.
type WatchOption func(*watchHooks)

type watchHooks struct {
	onCheckpoint func(*supportv1.Checkpoint)
	onReconnect  func(attempt int, delay time.Duration, err error)
}

// OnCheckpoint calls f with each checkpoint (the stream has caught up to
// that point of the log), before Events moves on.
func OnCheckpoint(f func(*supportv1.Checkpoint)) WatchOption {
	return func(h *watchHooks) { h.onCheckpoint = f }
}

// OnReconnect calls f before each reconnection with the attempt number
// (1 for the first retry after a success), the delay about to be waited and
// the error that ended the previous stream.
func OnReconnect(f func(attempt int, delay time.Duration, err error)) WatchOption {
	return func(h *watchHooks) { h.onReconnect = f }
}

// WatchTicket watches one ticket. Without a resume token it first replays
// the ticket's history from its creation, then follows it live.
func (c *Client) WatchTicket(ctx context.Context, ticketID, resumeToken string, opts ...WatchOption) *Watch {
	w := c.newWatch(ctx, resumeToken, opts)
	w.open = func(ctx context.Context, token string) (func() (*supportv1.TicketEvent, *supportv1.Checkpoint, error), error) {
		return receiver(c.svc.WatchTicket(ctx, &supportv1.WatchTicketRequest{TicketId: ticketID, ResumeToken: token}))
	}
	return w
}

// WatchTickets watches all the partner's tickets, or one customer's when
// customerID is set. Without a resume token it starts at the present.
func (c *Client) WatchTickets(ctx context.Context, customerID, resumeToken string, opts ...WatchOption) *Watch {
	w := c.newWatch(ctx, resumeToken, opts)
	w.open = func(ctx context.Context, token string) (func() (*supportv1.TicketEvent, *supportv1.Checkpoint, error), error) {
		return receiver(c.svc.WatchTickets(ctx, &supportv1.WatchTicketsRequest{CustomerId: customerID, ResumeToken: token}))
	}
	return w
}

// WatchQueueTickets watches every partner's tickets, or one queue's when
// queue is set (an event belongs to the queue its ticket is in after the
// change). Without a resume token it starts at the present.
func (a *Agent) WatchQueueTickets(ctx context.Context, queue supportv1.Queue, resumeToken string, opts ...WatchOption) *Watch {
	w := a.newWatch(ctx, resumeToken, opts)
	w.open = func(ctx context.Context, token string) (func() (*supportv1.TicketEvent, *supportv1.Checkpoint, error), error) {
		return receiver(a.svc.WatchQueueTickets(ctx, &supportv1.WatchQueueTicketsRequest{Queue: queue, ResumeToken: token}))
	}
	return w
}

// watchResponse is what the responses of the watch streams share.
type watchResponse interface {
	GetEvent() *supportv1.TicketEvent
	GetCheckpoint() *supportv1.Checkpoint
}

// receiver turns an opened watch stream into the function a Watch reads
// events and checkpoints from.
func receiver[M any, PM interface {
	*M
	watchResponse
}](s grpc.ServerStreamingClient[M], err error) (func() (*supportv1.TicketEvent, *supportv1.Checkpoint, error), error) {
	if err != nil {
		return nil, err
	}
	return func() (*supportv1.TicketEvent, *supportv1.Checkpoint, error) {
		m, err := s.Recv()
		pm := PM(m)
		return pm.GetEvent(), pm.GetCheckpoint(), err
	}, nil
}

func (c *conn) newWatch(ctx context.Context, token string, opts []WatchOption) *Watch {
	w := &Watch{c: c, ctx: ctx, token: token}
	for _, f := range opts {
		f(&w.hooks)
	}
	return w
}

// ResumeToken returns the token of the last event or checkpoint received
// (the initial token before any).
func (w *Watch) ResumeToken() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.token
}

// LastSequence returns the sequence of the last event yielded (0 before any).
func (w *Watch) LastSequence() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastSeq
}

// Events yields the events in order. It reconnects by itself, with
// exponential backoff and jitter, when the stream ends with UNAVAILABLE or
// the connection is lost (after the delay the server told when it refused
// the stream with RESOURCE_EXHAUSTED and a RetryInfo: its rate limit), and
// resumes after the last token it saw. It ends
// by yielding a non-nil error: the context's error when ctx is done, or an
// *Error the server answered that a retry cannot fix (INVALID_ARGUMENT for
// a malformed token, OUT_OF_RANGE for an expired one, NOT_FOUND,
// PERMISSION_DENIED, ...). Breaking out of the loop closes the stream.
func (w *Watch) Events() iter.Seq2[*supportv1.TicketEvent, error] {
	return func(yield func(*supportv1.TicketEvent, error) bool) {
		ctx, cancel := context.WithCancel(w.ctx)
		defer cancel()
		attempt := 0
		for {
			err := w.run(ctx, yield, &attempt)
			if errors.Is(err, errStop) {
				return
			}
			if ctx.Err() != nil {
				yield(nil, ctx.Err())
				return
			}
			told, rateLimited := toldDelay(err)
			if !rateLimited && !retryableWatchError(err) {
				yield(nil, FromError(err))
				return
			}
			attempt++
			delay := backoff(w.c.opts.watchBackoff, w.c.opts.watchMaxDelay, attempt)
			if rateLimited {
				delay = told // the server said when it will accept the stream
			}
			if w.hooks.onReconnect != nil {
				w.hooks.onReconnect(attempt, delay, FromError(err))
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				yield(nil, ctx.Err())
				return
			case <-t.C:
			}
		}
	}
}

var errStop = errors.New("stop")

// run runs one stream until it fails; it resets *attempt once the stream
// delivers something.
func (w *Watch) run(ctx context.Context, yield func(*supportv1.TicketEvent, error) bool, attempt *int) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	recv, err := w.open(sctx, w.ResumeToken())
	if err != nil {
		return err
	}
	for {
		ev, cp, err := recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				// The server ended the stream without a status: treat
				// it as a dropped connection and resume.
				return errEOF
			}
			return err
		}
		*attempt = 0
		switch {
		case ev != nil:
			w.mu.Lock()
			dup := ev.GetSequence() <= w.lastSeq
			if !dup {
				w.lastSeq = ev.GetSequence()
				w.token = ev.GetResumeToken()
			}
			w.mu.Unlock()
			if dup {
				continue
			}
			if !yield(ev, nil) {
				return errStop
			}
		case cp != nil:
			w.mu.Lock()
			w.token = cp.GetResumeToken()
			w.mu.Unlock()
			if w.hooks.onCheckpoint != nil {
				w.hooks.onCheckpoint(cp)
			}
		}
	}
}

var errEOF = errors.New("watch stream ended by the server")

func retryableWatchError(err error) bool {
	if errors.Is(err, errEOF) {
		return true
	}
	switch Code(err) {
	case codes.Unavailable:
		return true
	}
	return false
}

// backoff returns the jittered (±20%) exponential delay of attempt (1..).
func backoff(base, max time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
