package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// broadcaster is the bare server of `watchbench bare ADDR RATE [PAYLOAD]`:
// plain grpc-go (no interceptors, no storage) serving SupportService's
// WatchTickets only. A timer publishes RATE messages per second (pace: every
// message due, also after a late wake-up); each
// published message is copied to every open stream through the stream's
// buffered channel, and the stream's handler sends it. A stream first gets
// a checkpoint (as supportd's streams do when they are caught up).
type broadcaster struct {
	supportv1.UnimplementedSupportServiceServer
	mu    sync.RWMutex
	subs  map[chan *supportv1.WatchTicketsResponse]struct{}
	drops atomic.Int64
}

func (b *broadcaster) WatchTickets(_ *supportv1.WatchTicketsRequest, stream supportv1.SupportService_WatchTicketsServer) error {
	ch := make(chan *supportv1.WatchTicketsResponse, 256)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}()
	cp := &supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Checkpoint{Checkpoint: &supportv1.Checkpoint{
		ResumeToken: "bare", CheckpointTime: timestamppb.Now()}}}
	if err := stream.Send(cp); err != nil {
		return err
	}
	ctx := stream.Context()
	for {
		select {
		case m := <-ch:
			if err := stream.Send(m); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *broadcaster) publish(m *supportv1.WatchTicketsResponse) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for ch := range b.subs {
		select {
		case ch <- m:
		default:
			b.drops.Add(1)
		}
	}
}

// template is the event the bare server publishes: the payload file (a
// WatchTicketsResponse a supportd stream received) or a synthetic one.
func template(file string) (*supportv1.TicketEvent, error) {
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var m supportv1.WatchTicketsResponse
		if err := proto.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		if ev := m.GetEvent(); ev != nil {
			return ev, nil
		}
		return nil, fmt.Errorf("%s: not an event", file)
	}
	return &supportv1.TicketEvent{
		ResumeToken: "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		TicketId:    "T-0000000001", Type: supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED,
		Actor: "partner:adatum",
		Ticket: &supportv1.Ticket{Id: "T-0000000001", PartnerId: "adatum", CustomerId: "litware", Title: "VM unreachable",
			Description: "RDP to the production VMs times out since 10:00; the NSG rules did not change.",
			Contact:     &supportv1.Contact{Name: "Ann Smith", Email: "ann@adatum.example"}},
	}, nil
}

func serveBare(addr, rateArg, payload string) error {
	rate, err := strconv.ParseFloat(rateArg, 64)
	if err != nil {
		return err
	}
	tmpl, err := template(payload)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	b := &broadcaster{subs: make(map[chan *supportv1.WatchTicketsResponse]struct{})}
	supportv1.RegisterSupportServiceServer(srv, b)
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, h)
	if rate > 0 {
		go pace(rate, nil, func(n int) {
			ev := proto.Clone(tmpl).(*supportv1.TicketEvent)
			ev.Sequence = int64(n) + 1
			ev.EventTime = timestamppb.Now()
			b.publish(&supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Event{Event: ev}})
		})
	}
	go func() {
		for range time.Tick(time.Second) {
			if d := b.drops.Load(); d > 0 {
				fmt.Fprintln(os.Stderr, "bare: dropped", d, "messages (stream buffers full)")
			}
		}
	}()
	fmt.Println("bare serving", lis.Addr())
	return srv.Serve(lis)
}
