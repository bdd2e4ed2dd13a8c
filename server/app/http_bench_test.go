package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/internal/testserver"
)

// BenchmarkGetTicketProtocols compares GetTicket over the HTTP listener's
// protocols with GetTicket over native gRPC, in the same run against the
// same server, every client on TCP loopback: REST/JSON
// (GET /v1/tickets/{id}), Connect with JSON and with binary protobuf. The
// <protocol>-x-grpc metrics are the time of a call over that protocol
// divided by the time of a gRPC call, measured interleaved in the same
// iterations: what transcoding (vanguard) and JSON cost a call.
//
//	go test -run '^$' -bench GetTicketProtocols -count 5 ./server/app/
func BenchmarkGetTicketProtocols(b *testing.B) {
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := testserver.Start(b, testserver.WithLogger(discard))
	seed := s.SeedDirectory(b, "adatum")
	srv := httptest.NewServer(s.App.HTTPHandler())
	defer srv.Close()
	e := &httpEnv{s: s, srv: srv, seed: seed}
	id := e.create(b)["id"].(string)

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.App.GRPCServer().Serve(lis) }()
	defer func() {
		lis.Close()
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, grpc.ErrServerStopped) {
			b.Log(err)
		}
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()

	sup := supportv1.NewSupportServiceClient(conn)
	grpcCtx := testserver.Auth(context.Background(), seed.PartnerKey)
	restReq, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/tickets/"+id, nil)
	if err != nil {
		b.Fatal(err)
	}
	restReq.Header.Set("Authorization", "Bearer "+seed.PartnerKey)
	connectJSON := connectClient[supportv1.GetTicketRequest, supportv1.GetTicketResponse](e, "/support.v1.SupportService/GetTicket", connect.WithProtoJSON())
	connectProto := connectClient[supportv1.GetTicketRequest, supportv1.GetTicketResponse](e, "/support.v1.SupportService/GetTicket")
	calls := []struct {
		name string
		call func() error
	}{
		{"grpc", func() error {
			_, err := sup.GetTicket(grpcCtx, &supportv1.GetTicketRequest{TicketId: id})
			return err
		}},
		{"rest", func() error {
			resp, err := srv.Client().Do(restReq)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET /v1/tickets/%s: %d", id, resp.StatusCode)
			}
			return nil
		}},
		{"connect-json", func() error {
			_, err := connectJSON.CallUnary(context.Background(), authed(&supportv1.GetTicketRequest{TicketId: id}, seed.PartnerKey))
			return err
		}},
		{"connect-proto", func() error {
			_, err := connectProto.CallUnary(context.Background(), authed(&supportv1.GetTicketRequest{TicketId: id}, seed.PartnerKey))
			return err
		}},
	}
	// Each iteration makes one call of each protocol, in an order rotating
	// with the iteration, so that the noise of a shared machine falls on
	// all of them alike; the time of each is summed apart.
	spent := make([]time.Duration, len(calls))
	n := 0
	for b.Loop() {
		for j := range calls {
			k := (n + j) % len(calls)
			start := time.Now()
			if err := calls[k].call(); err != nil {
				b.Fatalf("%s: %v", calls[k].name, err)
			}
			spent[k] += time.Since(start)
		}
		n++
	}
	for k, c := range calls {
		b.ReportMetric(float64(spent[k].Nanoseconds())/float64(n), c.name+"-ns/call")
		if k > 0 {
			b.ReportMetric(float64(spent[k])/float64(spent[0]), c.name+"-x-grpc")
		}
	}
}
