package app

import (
	"crypto/tls"
	"net"
)

// ListenMetrics opens the listener of MetricsHandler on addr, over TLS when
// cfg is set, so that a busy address fails at start.
func ListenMetrics(addr string, cfg *tls.Config) (net.Listener, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		lis = tls.NewListener(lis, cfg)
	}
	return lis, nil
}
