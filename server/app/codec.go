package app

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	protov2 "google.golang.org/protobuf/proto"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/domain"
)

// grpc-go answers a request message that does not decode (invalid wire
// bytes, a string field with invalid UTF-8) with INTERNAL, before any
// interceptor runs. That blames the server for the caller's mistake. The
// server's codec therefore never fails a decode: it resets the message,
// remembers the decode error under the message, and the malformed
// interceptors (which see every decoded request before a handler uses it)
// turn it into INVALID_ARGUMENT with reason MALFORMED_MESSAGE.
//
// What grpc-go still answers itself: a message over the receive limit is
// RESOURCE_EXHAUSTED, a frame that is not gRPC (bad compression flag,
// unknown compressor) is INTERNAL or UNIMPLEMENTED from the transport.

// malformedCodec is the proto codec with decode errors deferred to the
// malformed interceptors. It encodes the ticket responses through
// api.TicketMessages (the kept encoding of each ticket is copied, not
// computed again) and every other message as the proto codec does.
type malformedCodec struct {
	encoding.CodecV2
	undecoded *sync.Map // message pointer -> decode error
	tickets   *api.TicketMessages
}

func newMalformedCodec(tickets *api.TicketMessages) malformedCodec {
	return malformedCodec{CodecV2: encoding.GetCodecV2(proto.Name), undecoded: &sync.Map{}, tickets: tickets}
}

// Unmarshal implements encoding.CodecV2.
func (c malformedCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	m, ok := v.(protov2.Message)
	if !ok {
		return err
	}
	protov2.Reset(m)
	c.undecoded.Store(v, err)
	return nil
}

// Marshal implements encoding.CodecV2. A message that holds nothing but
// unknown fields is, on the wire, exactly those bytes: they are sent as
// they are, shared and not copied. The watch streams send every event as
// such a message, built once for all streams (api.EventEncoder), so a
// send costs no marshal and no allocation of the event's size. Ticket
// responses go through api.TicketMessages.
func (c malformedCodec) Marshal(v any) (mem.BufferSlice, error) {
	if b := unknownOnly(v); b != nil {
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	if out, ok, err := c.tickets.EncodeResponse(v); ok {
		return out, err
	}
	return c.CodecV2.Marshal(v)
}

// unknownOnly returns the unknown fields of a message that has no known
// field set, or nil. The bytes are the message's: read only.
func unknownOnly(v any) []byte {
	m, ok := v.(protov2.Message)
	if !ok {
		return nil
	}
	r := m.ProtoReflect()
	b := r.GetUnknown()
	if len(b) == 0 {
		return nil
	}
	// Has per field rather than Range: Range's callback would allocate
	// per send.
	fields := r.Descriptor().Fields()
	for i := range fields.Len() {
		if r.Has(fields.Get(i)) {
			return nil
		}
	}
	return b
}

// take returns (and forgets) the decode error of v, if it had one.
func (c malformedCodec) take(v any) error {
	err, ok := c.undecoded.LoadAndDelete(v)
	if !ok {
		return nil
	}
	return api.Refusal(codes.InvalidArgument, "MALFORMED_MESSAGE",
		fmt.Sprintf("the request is not a valid %s message: %s", messageName(v), domain.Clip(err.(error).Error())))
}

func messageName(v any) string {
	if m, ok := v.(protov2.Message); ok {
		return string(m.ProtoReflect().Descriptor().FullName())
	}
	return fmt.Sprintf("%T", v)
}

// unary refuses a call whose request did not decode. It must run before
// any interceptor that can answer without calling the handler, so that
// every undecoded request is taken from the map.
func (c malformedCodec) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := c.take(req); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

// malformedStream is a stream as guardStream hands it to the handler: its
// context (ctx) replaced, and every message it receives checked.
type malformedStream struct {
	grpc.ServerStream
	ctx   context.Context
	codec malformedCodec
}

// Context implements grpc.ServerStream.
func (s *malformedStream) Context() context.Context { return s.ctx }

// RecvMsg implements grpc.ServerStream.
func (s *malformedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.codec.take(m)
}
