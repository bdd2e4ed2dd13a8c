package main

import (
	"errors"
	"fmt"
	"io"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// bareServer streams bytes as supportd's attachments do, with nothing
// else: an upload's chunks are read and dropped, a download sends a
// buffer of the file's size from memory in the same messages.
type bareServer struct {
	supportv1.UnimplementedSupportServiceServer
	content []byte
}

func (b *bareServer) UploadAttachment(stream grpc.ClientStreamingServer[supportv1.UploadAttachmentRequest, supportv1.UploadAttachmentResponse]) error {
	var size int64
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if len(b.content) != int(size) {
				b.content = make([]byte, size) // what a download sends back
			}
			return stream.SendAndClose(&supportv1.UploadAttachmentResponse{Attachment: &supportv1.Attachment{Id: "bare", SizeBytes: size}})
		}
		if err != nil {
			return err
		}
		size += int64(len(m.GetChunk()))
	}
}

func (b *bareServer) DownloadAttachment(_ *supportv1.DownloadAttachmentRequest, stream grpc.ServerStreamingServer[supportv1.DownloadAttachmentResponse]) error {
	if err := stream.Send(&supportv1.DownloadAttachmentResponse{Payload: &supportv1.DownloadAttachmentResponse_Attachment{
		Attachment: &supportv1.Attachment{Id: "bare", SizeBytes: int64(len(b.content))}}}); err != nil {
		return err
	}
	for off := 0; off < len(b.content); off += client.UploadChunkBytes {
		chunk := b.content[off:min(off+client.UploadChunkBytes, len(b.content))]
		if err := stream.Send(&supportv1.DownloadAttachmentResponse{Payload: &supportv1.DownloadAttachmentResponse_Chunk{Chunk: chunk}}); err != nil {
			return err
		}
	}
	return nil
}

// serveBare is the `attachbench bare ADDR` mode: a plain grpc-go server
// with the health service and bareServer, no interceptors, no storage.
func serveBare(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, h)
	supportv1.RegisterSupportServiceServer(srv, &bareServer{})
	fmt.Println("bare serving", lis.Addr())
	return srv.Serve(lis)
}
