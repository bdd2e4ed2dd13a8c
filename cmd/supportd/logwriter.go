package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logFlushInterval bounds how long a buffered log line waits.
const logFlushInterval = 100 * time.Millisecond

// bufferedLog is the log output: lines are buffered and written at most
// logFlushInterval later, at once for WARN and above, and on Close. One
// write(2) per call log line was ~5 % of the server's CPU under load.
// Logs are diagnostics, not the record: a crash loses at most the last
// interval of INFO lines, never a committed change.
type bufferedLog struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newBufferedLog(w io.Writer) *bufferedLog {
	b := &bufferedLog{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushLoop()
	return b
}

func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes the buffered lines.
func (b *bufferedLog) Flush() {
	b.mu.Lock()
	_ = b.w.Flush()
	b.mu.Unlock()
}

func (b *bufferedLog) flushLoop() {
	defer close(b.done)
	t := time.NewTicker(logFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.Flush()
		case <-b.stop:
			b.Flush()
			return
		}
	}
}

// Close stops the flusher after a last flush.
func (b *bufferedLog) Close() {
	close(b.stop)
	<-b.done
}

// flushingHandler flushes the buffered log after records of level WARN and
// above, so that problems are visible at once.
type flushingHandler struct {
	slog.Handler
	out *bufferedLog
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.out.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(as), out: h.out}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), out: h.out}
}
