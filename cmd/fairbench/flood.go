package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// floodMain is `fairbench flood ADDR KEY TICKET CALLERS CONNS DURATION`:
// CALLERS goroutines call GetTicket of TICKET with KEY over CONNS
// connections, back to back, for DURATION, ignoring RetryInfo; it prints
// what the server answered.
func floodMain(args []string) error {
	if len(args) != 6 {
		return fmt.Errorf("want ADDR KEY TICKET CALLERS CONNS DURATION, got %q", args)
	}
	addr, key, ticket := args[0], args[1], args[2]
	callers, err := strconv.Atoi(args[3])
	if err != nil {
		return err
	}
	nconns, err := strconv.Atoi(args[4])
	if err != nil {
		return err
	}
	d, err := time.ParseDuration(args[5])
	if err != nil {
		return err
	}
	var clients []supportv1.SupportServiceClient
	for range max(1, nconns) {
		c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		defer c.Close()
		clients = append(clients, supportv1.NewSupportServiceClient(c))
	}
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key), d)
	defer cancel()
	var (
		wg                  sync.WaitGroup
		ok, limited, others atomic.Int64
		firstOther          atomic.Value
	)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[i%len(clients)]
			for ctx.Err() == nil {
				_, err := c.GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: ticket})
				switch status.Code(err) {
				case codes.OK, codes.NotFound: // B's ticket is not A's: NOT_FOUND is a handled call
					ok.Add(1)
				case codes.ResourceExhausted:
					limited.Add(1)
				case codes.DeadlineExceeded, codes.Canceled: // the flood's end
				default:
					if ctx.Err() == nil && others.Add(1) == 1 {
						firstOther.Store(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	s := d.Seconds()
	line := fmt.Sprintf("%8.0f calls/s handled, %8.0f calls/s refused (RESOURCE_EXHAUSTED)", float64(ok.Load())/s, float64(limited.Load())/s)
	if n := others.Load(); n > 0 {
		line += fmt.Sprintf(", %d other errors, first: %v", n, firstOther.Load())
	}
	fmt.Println(line)
	return nil
}
