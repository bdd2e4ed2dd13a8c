package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// frame is what the client keeps of a received WatchTicketsResponse: the
// receiver parses only the wire fields it needs (the same cheap parse for
// both servers, so that the client's CPU does not skew the comparison).
type frame struct {
	event     bool
	seq       int64
	eventTime int64 // Unix nanoseconds
	size      int
	keep      bool   // ask Unmarshal to keep a copy of the bytes
	raw       []byte // the copy, when keep
}

// rawCodec marshals requests as protobuf and parses responses into frames.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) { return proto.Marshal(v.(proto.Message)) }

func (rawCodec) Unmarshal(b []byte, v any) error {
	f := v.(*frame)
	f.event, f.seq, f.eventTime, f.size = false, 0, 0, len(b)
	if f.keep {
		f.raw = append(f.raw[:0], b...)
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if num == 1 && typ == protowire.BytesType { // WatchTicketsResponse.event
			ev, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			f.event = true
			if err := parseEvent(ev, f); err != nil {
				return err
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
	}
	return nil
}

// parseEvent reads TicketEvent.sequence (2) and event_time (5).
func parseEvent(b []byte, f *frame) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 2 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			f.seq, b = int64(v), b[n:]
		case num == 5 && typ == protowire.BytesType:
			ts, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			var sec, nsec int64
			for len(ts) > 0 {
				tn, tt, m := protowire.ConsumeTag(ts)
				if m < 0 || tt != protowire.VarintType {
					return errors.New("bad timestamp")
				}
				ts = ts[m:]
				v, m := protowire.ConsumeVarint(ts)
				if m < 0 {
					return protowire.ParseError(m)
				}
				ts = ts[m:]
				if tn == 1 {
					sec = int64(v)
				} else if tn == 2 {
					nsec = int64(v)
				}
			}
			f.eventTime = sec*1e9 + nsec
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return nil
}

var watchDesc = &grpc.StreamDesc{StreamName: "WatchTickets", ServerStreams: true}

// streamStats is one stream's record.
type streamStats struct {
	events   int64
	disorder int64 // events whose sequence was not above the previous one
	lats     []time.Duration
	bytes    int64
	sample   []byte
	// Events of the window (event_time in it, whenever received): how
	// many, how many later than the bound, the latest latency.
	winEvents, winLate int64
	winMax             time.Duration
}

// watchers is a set of open WatchTickets streams.
type watchers struct {
	conns   []*grpc.ClientConn
	stats   []*streamStats
	ready   sync.WaitGroup
	done    sync.WaitGroup
	failed  atomic.Int64
	errOnce sync.Once
	err     error
	cancel  context.CancelFunc
	// window: deliveries received in [from, to) are measured.
	from, to atomic.Int64
	// bound is the latency an event of the window must be delivered
	// within (the saturation search's criterion).
	bound atomic.Int64
	// sampleAt: stream 0 keeps the bytes of the first event it receives
	// at or after this instant (Unix ns), a representative payload.
	sampleAt atomic.Int64
}

// openWatchers opens conns connections and perConn streams on each, and
// returns once every stream got its first message (a checkpoint: it is
// registered and caught up) or failed.
func openWatchers(ctx context.Context, addr, key string, conns, perConn int) (*watchers, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := &watchers{cancel: cancel}
	w.from.Store(1 << 62)
	w.sampleAt.Store(1 << 62)
	if key != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	}
	for range conns {
		c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
		if err != nil {
			w.close()
			return nil, err
		}
		w.conns = append(w.conns, c)
	}
	for i := range conns * perConn {
		st := &streamStats{lats: make([]time.Duration, 0, 1024)}
		w.stats = append(w.stats, st)
		w.ready.Add(1)
		w.done.Add(1)
		go w.watch(ctx, w.conns[i%conns], st, i == 0)
	}
	w.ready.Wait()
	if w.err != nil {
		w.close()
		return nil, fmt.Errorf("%d streams failed, first: %w", w.failed.Load(), w.err)
	}
	return w, nil
}

func (w *watchers) fail(err error) {
	w.failed.Add(1)
	w.errOnce.Do(func() { w.err = err })
}

func (w *watchers) watch(ctx context.Context, conn *grpc.ClientConn, st *streamStats, sampler bool) {
	defer w.done.Done()
	readied := false
	ready := func() {
		if !readied {
			readied = true
			w.ready.Done()
		}
	}
	defer ready()
	s, err := conn.NewStream(ctx, watchDesc, "/support.v1.SupportService/WatchTickets", grpc.WaitForReady(true))
	if err != nil {
		w.fail(err)
		return
	}
	if err := s.SendMsg(&supportv1.WatchTicketsRequest{}); err != nil {
		w.fail(err)
		return
	}
	if err := s.CloseSend(); err != nil {
		w.fail(err)
		return
	}
	var f frame
	var last int64
	for {
		f.keep = sampler && st.sample == nil && time.Now().UnixNano() >= w.sampleAt.Load()
		if err := s.RecvMsg(&f); err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) {
				w.fail(err)
			}
			return
		}
		now := time.Now().UnixNano()
		ready()
		if !f.event {
			continue
		}
		atomic.AddInt64(&st.events, 1)
		if f.seq <= last {
			st.disorder++
		}
		last = f.seq
		if f.keep {
			st.sample = append([]byte(nil), f.raw...)
		}
		if f.eventTime >= w.from.Load() && f.eventTime < w.to.Load() {
			lat := time.Duration(now - f.eventTime)
			st.winEvents++
			if lat > time.Duration(w.bound.Load()) {
				st.winLate++
			}
			st.winMax = max(st.winMax, lat)
		}
		if now >= w.from.Load() && now < w.to.Load() {
			st.lats = append(st.lats, time.Duration(now-f.eventTime))
			st.bytes += int64(f.size)
		}
	}
}

func (w *watchers) close() {
	w.cancel()
	for _, c := range w.conns {
		c.Close()
	}
	w.done.Wait()
}
