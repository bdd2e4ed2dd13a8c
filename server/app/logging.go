package app

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/domain"
)

// RefusalLogLines is how many log lines a second each refusal code
// (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED) may write; the
// next line written says how many were suppressed meanwhile. A flood of
// bad keys or of rate-limited calls must not flood the log.
const RefusalLogLines = 10

// callLevel is the level of a finished call's log line, by its code:
// successes at DEBUG (quiet at the default INFO), the caller's own mistakes
// at INFO, refusals and conditions worth a look (overload, deadline,
// shutdown) at WARN, server faults at ERROR.
func callLevel(code codes.Code) logging.Level {
	switch code {
	case codes.OK:
		return logging.LevelDebug
	case codes.Canceled, codes.InvalidArgument, codes.NotFound, codes.AlreadyExists, codes.FailedPrecondition,
		codes.Aborted, codes.OutOfRange, codes.Unimplemented:
		return logging.LevelInfo
	case codes.Unauthenticated, codes.PermissionDenied, codes.ResourceExhausted, codes.DeadlineExceeded, codes.Unavailable:
		return logging.LevelWarn
	default: // Unknown, Internal, DataLoss
		return logging.LevelError
	}
}

// refusalCodes are the codes whose log lines are throttled.
var refusalCodes = map[string]bool{
	codes.Unauthenticated.String():   true,
	codes.PermissionDenied.String():  true,
	codes.ResourceExhausted.String(): true,
}

// callLogger is the logging interceptor's logger: it raises a successful
// unary call slower than slow to WARN ("slow call") and throttles the
// lines of refused calls.
type callLogger struct {
	log  *slog.Logger
	slow time.Duration
	now  func() time.Time

	mu        sync.Mutex
	throttles map[string]*throttle
}

type throttle struct {
	lines      *rate.Limiter
	suppressed atomic.Int64
}

func newCallLogger(log *slog.Logger, slow time.Duration, now func() time.Time) *callLogger {
	c := &callLogger{log: log, slow: slow, now: now, throttles: map[string]*throttle{}}
	for code := range refusalCodes {
		c.throttles[code] = &throttle{lines: rate.NewLimiter(RefusalLogLines, RefusalLogLines)}
	}
	return c
}

// Log implements logging.Logger.
func (c *callLogger) Log(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
	if lvl == logging.LevelDebug {
		if took, slow := c.slowCall(ctx); slow {
			lvl, msg = logging.LevelWarn, "slow call"
			fields = append(fields, "took", took, "slow_call_threshold", c.slow)
		}
	}
	if !c.log.Enabled(ctx, slog.Level(lvl)) {
		return
	}
	if th := c.throttles[fieldString(fields, "grpc.code")]; th != nil {
		if !th.lines.AllowN(c.now(), 1) {
			th.suppressed.Add(1)
			return
		}
		if n := th.suppressed.Swap(0); n > 0 {
			fields = append(fields, "suppressed", n)
		}
	}
	c.log.Log(ctx, slog.Level(lvl), msg, fields...)
}

// fieldString returns the string value of key in alternating key/value
// fields.
func fieldString(fields []any, key string) string {
	for i := 0; i+1 < len(fields); i += 2 {
		if k, ok := fields[i].(string); ok && k == key {
			s, _ := fields[i+1].(string)
			return s
		}
	}
	return ""
}

// slowCall reports how long the unary call of ctx took and whether that is
// over the slow-call threshold.
func (c *callLogger) slowCall(ctx context.Context) (time.Duration, bool) {
	t, ok := ctx.Value(callTimeKey{}).(*callTime)
	if !ok {
		return 0, false
	}
	_, took, done := t.measured()
	return took, done && took > c.slow
}

// logUnary runs the go-grpc-middleware logging interceptor mw (which
// builds and writes every call's line) only for the calls whose line can
// be written. A successful call is logged at DEBUG (callLevel) unless it is
// slow: when the logger is not enabled at DEBUG, its line would be dropped
// by callLogger.Log after mw had built its fields (peer address, start
// time, method, code; a seventh of a GetTicket's CPU). So when DEBUG is
// off the call runs first, and mw is run afterwards over its recorded
// outcome only if it failed or was slow: every failure keeps its line,
// with the start and duration measured by timeUnary (callFields).
func logUnary(mw grpc.UnaryServerInterceptor, c *callLogger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if c.log.Enabled(ctx, slog.LevelDebug) {
			return mw(ctx, req, info, h)
		}
		resp, err := h(ctx, req)
		if _, slow := c.slowCall(ctx); err == nil && !slow {
			return resp, nil
		}
		return mw(ctx, req, info, func(context.Context, any) (any, error) { return resp, err })
	}
}

// callTime is when a unary call started and how long it took in the
// server's clock, set by timeUnary and read by callLogger and callFields.
// The logging interceptor runs outside timeUnary, so the slot is put in the
// context before it (by slotUnary).
type callTime struct {
	start atomic.Int64 // Unix nanoseconds
	d     atomic.Int64 // duration; -1 until the call ended
}

type callTimeKey struct{}

func newCallTime() *callTime {
	t := &callTime{}
	t.d.Store(-1)
	return t
}

// measured returns the call's start and duration once it has ended.
func (t *callTime) measured() (start time.Time, took time.Duration, done bool) {
	d := t.d.Load()
	if d < 0 {
		return time.Time{}, 0, false
	}
	return time.Unix(0, t.start.Load()).UTC(), time.Duration(d), true
}

// timeUnary measures a unary call with now (the injectable clock, so that
// tests can make a call slow without sleeping).
func timeUnary(now func() time.Time) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := now()
		resp, err := h(ctx, req)
		if t, ok := ctx.Value(callTimeKey{}).(*callTime); ok {
			t.start.Store(start.UnixNano())
			t.d.Store(int64(now().Sub(start)))
		}
		return resp, err
	}
}

// clippingHandler bounds every log line: the message and each string or
// error attribute is cut to api.MaxMessageBytes, since they may repeat
// client input (ids, messages, metadata).
type clippingHandler struct{ slog.Handler }

func (h clippingHandler) Handle(ctx context.Context, r slog.Record) error {
	long := len(r.Message) > api.MaxMessageBytes
	r.Attrs(func(a slog.Attr) bool {
		_, cut := clipAttr(a)
		long = long || cut
		return !long
	})
	if !long {
		return h.Handler.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, domain.ClipTo(r.Message, api.MaxMessageBytes), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		a, _ = clipAttr(a)
		out.AddAttrs(a)
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h clippingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clipped := make([]slog.Attr, len(as))
	for i, a := range as {
		clipped[i], _ = clipAttr(a)
	}
	return clippingHandler{h.Handler.WithAttrs(clipped)}
}

func (h clippingHandler) WithGroup(name string) slog.Handler {
	return clippingHandler{h.Handler.WithGroup(name)}
}

// clipAttr cuts a string or error value to api.MaxMessageBytes and says
// whether it did.
func clipAttr(a slog.Attr) (slog.Attr, bool) {
	v := a.Value.Resolve()
	switch {
	case v.Kind() == slog.KindString && len(v.String()) > api.MaxMessageBytes:
		return slog.String(a.Key, domain.ClipTo(v.String(), api.MaxMessageBytes)), true
	case v.Kind() == slog.KindAny:
		if err, ok := v.Any().(error); ok && len(err.Error()) > api.MaxMessageBytes {
			return slog.String(a.Key, domain.ClipTo(err.Error(), api.MaxMessageBytes)), true
		}
	}
	return a, false
}
