package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkCallLog measures one call log line (the logging interceptor's
// shape) written straight to a file and through bufferedLog.
func BenchmarkCallLog(b *testing.B) {
	logLine := func(b *testing.B, log *slog.Logger) {
		for b.Loop() {
			log.Info("finished call", "protocol", "grpc", "grpc.component", "server", "grpc.service", "support.v1.SupportService",
				"grpc.method", "GetTicket", "grpc.method_type", "unary", "principal", "partner:adatum/k1",
				"peer.address", "127.0.0.1:50000", "grpc.code", "OK", "grpc.time_ms", "0.412")
		}
	}
	b.Run("direct", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "log"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		logLine(b, slog.New(slog.NewJSONHandler(f, nil)))
	})
	b.Run("buffered", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "log"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		out := newBufferedLog(f)
		defer out.Close()
		log, err := newLogger("info", "json", out)
		if err != nil {
			b.Fatal(err)
		}
		logLine(b, log)
	})
}

// TestBufferedLogFlushes checks WARN lines are written at once and INFO
// lines by Close.
func TestBufferedLogFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := newBufferedLog(f)
	log, err := newLogger("info", "text", out)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("first")
	log.Warn("second")
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "msg=first") || !strings.Contains(string(b), "msg=second") {
		t.Fatalf("after a WARN line the log file holds %q", b)
	}
	log.Info("third")
	out.Close()
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), "msg=third") {
		t.Fatalf("after Close the log file holds %q", b)
	}
}
