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
		if t, ok := ctx.Value(callTimeKey{}).(*callTime); ok && t.took() > c.slow {
			lvl, msg = logging.LevelWarn, "slow call"
			fields = append(fields, "took", t.took(), "slow_call_threshold", c.slow)
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

// callTime is how long a unary call took in the server's clock, set by
// timeUnary and read by callLogger. The logging interceptor runs outside
// timeUnary, so the slot is put in the context before it (by callSlots).
type callTime struct{ d atomic.Int64 }

type callTimeKey struct{}

func (t *callTime) took() time.Duration { return time.Duration(t.d.Load()) }

// timeUnary measures a unary call with now (the injectable clock, so that
// tests can make a call slow without sleeping).
func timeUnary(now func() time.Time) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := now()
		resp, err := h(ctx, req)
		if t, ok := ctx.Value(callTimeKey{}).(*callTime); ok {
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
