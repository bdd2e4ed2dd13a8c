package app_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// logBuffer is a concurrency-safe buffer the server logs into.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the lines written so far and empties the buffer.
func (l *logBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.TrimSpace(l.b.String())
	l.b.Reset()
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// startLogged starts a server logging at level into the returned buffer.
func startLogged(t *testing.T, level slog.Level, opts ...testserver.Option) (*testserver.Server, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: level}))
	s := testserver.Start(t, append(opts, testserver.WithLogger(logger))...)
	buf.lines() // startup
	return s, buf
}

// TestSuccessfulCallsQuietAtInfo: at INFO a successful call writes no log
// line; at DEBUG it does.
func TestSuccessfulCallsQuietAtInfo(t *testing.T) {
	for _, tc := range []struct {
		level slog.Level
		lines int
	}{{slog.LevelInfo, 0}, {slog.LevelDebug, 1}} {
		s, buf := startLogged(t, tc.level)
		if _, err := s.Directory().ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{}); err != nil {
			t.Fatal(err)
		}
		if got := buf.lines(); len(got) != tc.lines {
			t.Fatalf("at %v: %d log lines, want %d:\n%s", tc.level, len(got), tc.lines, strings.Join(got, "\n"))
		}
	}
}

// TestHugeIDBounded: a ticket id of almost 1 MB yields a short status
// message and short log lines.
func TestHugeIDBounded(t *testing.T) {
	s, buf := startLogged(t, slog.LevelDebug)
	s.SeedPartner(t, "adatum")
	ctx := testserver.Auth(t.Context(), s.NewKey(t, domain.RolePartner, "adatum"))
	buf.lines()
	huge := strings.Repeat("T", app.MaxRecvMsgSize-1024)
	_, err := s.Support().GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: huge})
	if err == nil {
		t.Fatal("GetTicket of a huge id succeeded")
	}
	if n := proto.Size(status.Convert(err).Proto()); n > 4096 {
		t.Errorf("status of %d bytes (message and details) for a huge id, want at most 4 KB", n)
	}
	lines := buf.lines()
	if len(lines) == 0 {
		t.Fatal("the failed call was not logged")
	}
	for _, l := range lines {
		if len(l) > 4096 {
			t.Errorf("log line of %d bytes, want at most 4 KB: %.300s...", len(l), l)
		}
	}
}

// TestSlowCallLoggedAtWarn: a successful call slower than
// log.slow_call_threshold on the server's clock is logged at WARN even
// though successes are otherwise DEBUG.
func TestSlowCallLoggedAtWarn(t *testing.T) {
	var slow atomic.Bool
	var step atomic.Int64
	s, buf := startLogged(t, slog.LevelInfo, testserver.WithOptions(func(o *app.Options) {
		inner := o.Now
		// While slow is set, every reading of the clock is 2s after the
		// previous one: any call takes at least 2s (threshold: 1s).
		o.Now = func() time.Time {
			if !slow.Load() {
				return inner()
			}
			return inner().Add(time.Duration(step.Add(1)) * 2 * time.Second)
		}
	}))
	slow.Store(true)
	if _, err := s.Directory().ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{}); err != nil {
		t.Fatal(err)
	}
	slow.Store(false)
	lines := buf.lines()
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], `msg="slow call"`) ||
		!strings.Contains(lines[0], "grpc.method=ListPartners") {
		t.Fatalf("log lines %q, want one WARN slow call of ListPartners", lines)
	}
}

// TestRefusalLogThrottled: a flood of refused calls writes at most
// app.RefusalLogLines lines a second; the next line written says how many
// were suppressed.
func TestRefusalLogThrottled(t *testing.T) {
	s, buf := startLogged(t, slog.LevelInfo)
	const flood = 50
	for range flood {
		_, err := s.Directory().ListPartners(t.Context(), &supportv1.ListPartnersRequest{})
		wantCode(t, err, codes.Unauthenticated)
	}
	if got := buf.lines(); len(got) != app.RefusalLogLines {
		t.Fatalf("%d lines for %d refusals at one instant, want %d", len(got), flood, app.RefusalLogLines)
	}
	s.Clock.Advance(time.Second)
	_, err := s.Directory().ListPartners(t.Context(), &supportv1.ListPartnersRequest{})
	wantCode(t, err, codes.Unauthenticated)
	lines := buf.lines()
	want := fmt.Sprintf("suppressed=%d", flood-app.RefusalLogLines)
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Fatalf("lines after a second %q, want one saying %s", lines, want)
	}
}

// TestFailedCallLoggedWithItsTiming: at INFO (successful calls are not
// logged, so the logging middleware runs only after a call failed), a
// failed call's line names the caller, the code, and the start and
// duration measured on the server's clock while the call ran.
func TestFailedCallLoggedWithItsTiming(t *testing.T) {
	var slow atomic.Bool
	var step atomic.Int64
	s, buf := startLogged(t, slog.LevelInfo, testserver.WithOptions(func(o *app.Options) {
		inner := o.Now
		// While slow is set, every reading of the clock is 2s after the
		// previous one: the call takes at least 2s.
		o.Now = func() time.Time {
			if !slow.Load() {
				return inner()
			}
			return inner().Add(time.Duration(step.Add(1)) * 2 * time.Second)
		}
	}))
	s.SeedPartner(t, "adatum")
	ctx := testserver.Auth(t.Context(), s.NewKey(t, domain.RolePartner, "adatum"))
	buf.lines()
	slow.Store(true)
	_, err := s.Support().GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: "T-unknown"})
	slow.Store(false)
	wantCode(t, err, codes.NotFound)
	lines := buf.lines()
	if len(lines) != 1 {
		t.Fatalf("log lines %q, want one for the failed call", lines)
	}
	for _, want := range []string{"grpc.code=NotFound", "grpc.method=GetTicket", "principal=partner:adatum", "grpc.start_time="} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line %q lacks %q", lines[0], want)
		}
	}
	var ms float64
	if _, after, ok := strings.Cut(lines[0], "grpc.time_ms="); !ok {
		t.Errorf("log line %q has no grpc.time_ms", lines[0])
	} else if _, err := fmt.Sscan(after, &ms); err != nil || ms < 2000 {
		t.Errorf("log line %q: grpc.time_ms %v (%v), want the server clock's >= 2000", lines[0], ms, err)
	}
}

// TestSuccessfulCallAtDebugTimed: at DEBUG every call goes through the
// logging middleware as it runs; the line carries the server-clock
// duration all the same.
func TestSuccessfulCallAtDebugTimed(t *testing.T) {
	s, buf := startLogged(t, slog.LevelDebug)
	if _, err := s.Directory().ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{}); err != nil {
		t.Fatal(err)
	}
	lines := buf.lines()
	if len(lines) != 1 || !strings.Contains(lines[0], "grpc.code=OK") || !strings.Contains(lines[0], "grpc.time_ms=") ||
		!strings.Contains(lines[0], "grpc.start_time=") {
		t.Fatalf("log lines %q, want one OK line with its start and duration", lines)
	}
}
