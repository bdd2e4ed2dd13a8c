package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// healthCommand asks a running supportd for its health over the standard
// gRPC health service: exit 0 when SERVING, 1 otherwise. It is the
// container image's HEALTHCHECK, so the image needs no other probe.
func healthCommand() *cobra.Command {
	var (
		addr, service      string
		ca, cert, certKey  string
		timeout            time.Duration
		wait, useTLS, skip bool
	)
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check a running server through grpc.health.v1 (exit 0 when SERVING)",
		Long: `Check a running server through the gRPC health service: exit 0 when
it answers SERVING, 1 otherwise. It is the container image's HEALTHCHECK.

Without --tls, TLS is used when SUPPORTD_TLS_CERT is set (the server this
environment configures serves TLS), and then, as a probe of that local
server, the certificate is not verified. --ca verifies it with that CA;
--cert and --cert-key present a client certificate to a server that
requires one (--tls-client-ca).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("tls") && os.Getenv(envName("tls-cert")) != "" {
				useTLS, skip = true, true
			}
			if ca != "" || cert != "" {
				useTLS = true
			}
			creds := insecure.NewCredentials()
			if useTLS {
				cfg, err := probeTLS(ca, cert, certKey, skip)
				if err != nil {
					return err
				}
				creds = credentials.NewTLS(cfg)
			}
			st, err := checkHealth(cmd.Context(), addr, service, timeout, wait, creds)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), st)
			if st != healthpb.HealthCheckResponse_SERVING {
				return fmt.Errorf("%s: health of %q is %s", addr, service, st)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:8443", "address of the server's gRPC listener")
	fl.StringVar(&service, "service", "", `service to check ("": the whole server)`)
	fl.DurationVar(&timeout, "timeout", 5*time.Second, "give up after this long")
	fl.BoolVar(&wait, "wait", false, "wait (up to --timeout) for the server to accept connections instead of failing at once")
	fl.BoolVar(&useTLS, "tls", false, "connect over TLS (system roots)")
	fl.BoolVar(&skip, "tls-skip-verify", false, "with --tls, do not verify the server's certificate (a probe of the local server)")
	fl.StringVar(&ca, "ca", "", "PEM CA to verify the server with (implies --tls)")
	fl.StringVar(&cert, "cert", "", "PEM client certificate, for a server that requires one (--tls-client-ca); implies --tls")
	fl.StringVar(&certKey, "cert-key", "", "PEM private key of --cert")
	cmd.MarkFlagsRequiredTogether("cert", "cert-key")
	return cmd
}

// probeTLS is the TLS configuration of the probe: the CA to trust (system
// roots without one), a client certificate, or no verification at all.
func probeTLS(ca, cert, certKey string, skipVerify bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify} // opt-in: a probe of the local server
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s: no PEM certificate", ca)
		}
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, certKey)
		if err != nil {
			return nil, fmt.Errorf("--cert %s --cert-key %s: %w", cert, certKey, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// checkHealth dials addr and returns the health status of service.
func checkHealth(ctx context.Context, addr, service string, timeout time.Duration, wait bool, creds credentials.TransportCredentials) (healthpb.HealthCheckResponse_ServingStatus, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service}, grpc.WaitForReady(wait))
	if err != nil {
		return 0, fmt.Errorf("%s: health check: %w", addr, err)
	}
	return resp.GetStatus(), nil
}
