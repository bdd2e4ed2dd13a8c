package client

import (
	"context"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// toldDelay returns the delay of a RESOURCE_EXHAUSTED that carries a
// RetryInfo: the server refused the call before running it (a rate limit)
// and says when the same call will be accepted.
func toldDelay(err error) (time.Duration, bool) {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.ResourceExhausted {
		return 0, false
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			return max(ri.GetRetryDelay().AsDuration(), 0), true
		}
	}
	return 0, false
}

// waitAsTold retries any unary call the server refused with
// RESOURCE_EXHAUSTED and a RetryInfo, after the delay it told, up to
// maxAttempts attempts in all. Every call qualifies, even those that change
// state: supportd rate-limits a call before its handler runs, so a refused
// call did nothing. When the call's deadline would pass before the delay,
// the refusal is returned at once.
func waitAsTold(maxAttempts uint) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		for attempt := uint(1); ; attempt++ {
			err := invoker(ctx, method, req, reply, cc, opts...)
			delay, told := toldDelay(err)
			if !told || attempt >= maxAttempts {
				return err
			}
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= delay {
				return err
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
		}
	}
}
