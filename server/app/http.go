package app

import (
	"connectrpc.com/connect"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"log/slog"
	"net"
	"net/http"
	"time"

	connectcors "connectrpc.com/cors"
	"connectrpc.com/vanguard"
	"connectrpc.com/vanguard/vanguardgrpc"
	"github.com/rs/cors"
	"golang.org/x/net/netutil"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/apidesc"
	"github.com/supportd/supportd/server/domain"
)

// newHTTPHandler serves the gRPC server's services to HTTP clients: the
// Connect protocol (JSON and binary, unary and server streams), gRPC-Web,
// gRPC itself, and REST/JSON on the google.api.http routes of the protos.
// Each call is transcoded by vanguard into a gRPC call of the very same
// grpc.Server, so it runs the same interceptors (auth, rate limits,
// logging, metrics) and handlers, and its errors are the same statuses
// (REST renders them as the Google JSON error: code, message, details).
// /openapi.json is the OpenAPI document of the REST routes. Browsers of
// corsOrigins may call across origins.
func newHTTPHandler(a *App, corsOrigins []string) (http.Handler, error) {
	transcoder, err := vanguardgrpc.NewTranscoder(a.grpc,
		vanguard.WithCodec(strictJSON),
		vanguard.WithDefaultServiceOptions(vanguard.WithMaxMessageBufferBytes(MaxSendMsgSize)),
	)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(apidesc.OpenAPI)
	})
	mux.Handle("/", transcoder)
	return withCORS(mux, corsOrigins), nil
}

// strictJSON is vanguard's JSON codec refusing unknown fields: a misspelt
// field is INVALID_ARGUMENT, not silently dropped.
func strictJSON(res vanguard.TypeResolver) vanguard.Codec {
	c := vanguard.NewJSONCodec(res)
	c.UnmarshalOptions.DiscardUnknown = false
	return invalidJSON{c}
}

// invalidJSON makes a request that is not valid JSON of its message
// INVALID_ARGUMENT (vanguard reports a bare codec error as UNKNOWN).
type invalidJSON struct{ *vanguard.JSONCodec }

// malformedJSON is the refusal of a request body that does not decode:
// INVALID_ARGUMENT with the ErrorInfo MALFORMED_MESSAGE, as the gRPC
// codec refuses a message that does not decode (codec.go).
func malformedJSON(err error) error {
	cerr := connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("invalid JSON request: %s", domain.Clip(err.Error())))
	if d, derr := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: "MALFORMED_MESSAGE", Domain: api.ErrorDomain}); derr == nil {
		cerr.AddDetail(d)
	}
	return cerr
}

// Unmarshal decodes data into msg; an error is INVALID_ARGUMENT.
func (c invalidJSON) Unmarshal(data []byte, msg proto.Message) error {
	if err := c.JSONCodec.Unmarshal(data, msg); err != nil {
		return malformedJSON(err)
	}
	return nil
}

// UnmarshalField decodes data into field of msg (a REST body naming one
// field); an error is INVALID_ARGUMENT.
func (c invalidJSON) UnmarshalField(data []byte, msg proto.Message, field protoreflect.FieldDescriptor) error {
	if err := c.JSONCodec.UnmarshalField(data, msg, field); err != nil {
		return malformedJSON(err)
	}
	return nil
}

// withCORS answers CORS preflights and marks responses for the allowed
// origins (none: h as it is, browsers then only call from the same
// origin). The allowed and exposed headers are those of the Connect,
// gRPC-Web and REST protocols, plus authorization for API keys.
func withCORS(h http.Handler, origins []string) http.Handler {
	if len(origins) == 0 {
		return h
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: append(connectcors.AllowedMethods(), http.MethodPut, http.MethodPatch, http.MethodDelete),
		AllowedHeaders: append(connectcors.AllowedHeaders(), "Authorization"),
		ExposedHeaders: connectcors.ExposedHeaders(),
		MaxAge:         7200,
	}).Handler(h)
}

// HTTPHandler returns the handler of the HTTP listener (see ServeHTTP):
// for tests that serve it with net/http/httptest.
func (a *App) HTTPHandler() http.Handler { return a.httpHandler }

// ServeHTTP serves HTTPHandler on lis until Shutdown, over TLS when the
// App has a TLS configuration (the gRPC listener's, certificate reloads
// included), with at most limits.max_connections connections at a time
// like Serve. HTTP/1.1 and HTTP/2 (h2c in plaintext) are both spoken.
func (a *App) ServeHTTP(lis net.Listener) error {
	lis = netutil.LimitListener(lis, a.opts.Config.Limits.MaxConnections)
	if a.opts.TLS != nil {
		cfg := a.opts.TLS.Clone()
		cfg.NextProtos = []string{"h2", "http/1.1"}
		if get := cfg.GetConfigForClient; get != nil {
			cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
				c, err := get(hello)
				if err != nil || c == nil {
					return c, err
				}
				c = c.Clone()
				c.NextProtos = cfg.NextProtos
				return c, nil
			}
		}
		lis = tls.NewListener(lis, cfg)
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           a.httpHandler,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: a.opts.Config.Limits.StreamsPerConnection},
		ErrorLog:          slog.NewLogLogger(a.opts.Logger.Handler(), slog.LevelWarn),
	}
	a.httpMu.Lock()
	if a.draining.Load() {
		a.httpMu.Unlock()
		return nil // shut down before it started
	}
	a.httpServers = append(a.httpServers, srv)
	a.httpMu.Unlock()
	err := srv.Serve(lis)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// shutdownHTTP stops the HTTP listeners: no new connections, idle ones
// closed, active calls given the grace period (or until ctx ends), then
// every connection closed. Streams have already ended with a.streams.
func (a *App) shutdownHTTP(ctx context.Context) {
	a.httpMu.Lock()
	servers := a.httpServers
	a.httpMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, a.opts.GracePeriod)
	defer cancel()
	for _, srv := range servers {
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
	}
}
