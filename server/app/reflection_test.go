package app_test

import (
	"strings"
	"testing"

	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/supportd/supportd/server/internal/testserver"
)

// reflectFiles asks the server for the file containing symbol, with its
// dependencies, as reflection clients (grpcurl describe) do.
func reflectFiles(t *testing.T, s *testserver.Server, symbol string) []*descriptorpb.FileDescriptorProto {
	t.Helper()
	stream, err := reflectionv1.NewServerReflectionClient(s.Conn).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer stream.CloseSend()
	req := &reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: symbol}}
	if err := stream.Send(req); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if e := resp.GetErrorResponse(); e != nil {
		t.Fatalf("reflection of %s: %v", symbol, e)
	}
	var out []*descriptorpb.FileDescriptorProto
	for _, b := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
		fd := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(b, fd); err != nil {
			t.Fatal(err)
		}
		out = append(out, fd)
	}
	return out
}

// TestReflectionServesComments: what `grpcurl describe` shows, the
// comments of the .proto files, reaches reflection clients: the leading
// comment of a message, a field and an RPC.
func TestReflectionServesComments(t *testing.T) {
	s := testserver.Start(t)
	fds := reflectFiles(t, s, "support.v1.SupportService")
	files, err := protodesc.NewFiles(&descriptorpb.FileDescriptorSet{File: fds})
	if err != nil {
		t.Fatalf("the files reflection sent do not form a complete set: %v", err)
	}
	for _, name := range []protoreflect.FullName{
		"support.v1.CreateTicketRequest",
		"support.v1.CreateTicketRequest.request_id",
		"support.v1.SupportService.CreateTicket",
	} {
		d, err := files.FindDescriptorByName(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c := d.ParentFile().SourceLocations().ByDescriptor(d).LeadingComments; strings.TrimSpace(c) == "" {
			t.Errorf("%s: reflection serves no comment", name)
		}
	}
	// Services outside the API are still described.
	if fds := reflectFiles(t, s, "grpc.health.v1.Health"); len(fds) == 0 {
		t.Error("no descriptor for grpc.health.v1.Health")
	}
}
