package app

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"
	v1reflectiongrpc "google.golang.org/grpc/reflection/grpc_reflection_v1"
	v1alphareflectiongrpc "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/supportd/supportd/server/apidesc"
)

// registerReflection serves server reflection, v1 and v1alpha, from the
// API's descriptors with source info (server/apidesc), so that clients
// such as grpcurl describe every message and field with its comment. Other
// services (health, reflection) are described from the generated registry.
func registerReflection(srv *grpc.Server) error {
	resolver, err := apidesc.Resolver(protoregistry.GlobalFiles)
	if err != nil {
		return err
	}
	opts := reflection.ServerOptions{Services: srv, DescriptorResolver: resolver}
	v1reflectiongrpc.RegisterServerReflectionServer(srv, reflection.NewServerV1(opts))
	v1alphareflectiongrpc.RegisterServerReflectionServer(srv, reflection.NewServer(opts))
	return nil
}
