package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// TLSFiles names the PEM files of the server's TLS identity.
type TLSFiles struct {
	Cert string // certificate chain, leaf first
	Key  string // private key of the leaf
	// ClientCA, if set, makes client certificates required: a client must
	// present one signed by a CA of this file (mutual TLS).
	ClientCA string
}

// DefaultTLSCheckInterval is how often, at most, the TLS files are checked
// for changes (on the next handshake after it elapsed).
const DefaultTLSCheckInterval = time.Second

// CertReloader serves the TLS identity of TLSFiles and reloads it when the
// files change, without a restart: at most every CheckInterval a handshake
// compares the files' size, modification time and inode with those of the
// last load and re-reads them if any changed. A set of files that fails to
// load (a half-written rotation, a key that does not match) is logged once
// and the previous identity stays in use until the files change again.
type CertReloader struct {
	files TLSFiles
	log   *slog.Logger
	// CheckInterval bounds how often handshakes look at the files (0:
	// every handshake). Now is the clock of that check. Set both before
	// the first handshake.
	CheckInterval time.Duration
	Now           func() time.Time

	mu        sync.Mutex
	current   *tlsIdentity
	seen      []os.FileInfo // the files as last checked (loaded or failed)
	lastCheck time.Time
}

// tlsIdentity is one successful load of the files.
type tlsIdentity struct {
	cert *tls.Certificate
	grpc *tls.Config // what GetConfigForClient returns
}

// NewCertReloader loads files; an unreadable or invalid file is an error.
func NewCertReloader(files TLSFiles, log *slog.Logger) (*CertReloader, error) {
	if files.Cert == "" || files.Key == "" {
		return nil, errors.New("TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
	}
	r := &CertReloader{files: files, log: log, CheckInterval: DefaultTLSCheckInterval, Now: time.Now}
	seen, err := r.stat()
	if err != nil {
		return nil, err
	}
	id, err := loadIdentity(files)
	if err != nil {
		return nil, err
	}
	r.current, r.seen = id, seen
	return r, nil
}

// Reload re-reads the files now. On error the previous identity stays in
// use and the error is returned.
func (r *CertReloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen, err := r.stat()
	if err != nil {
		return err
	}
	return r.reloadLocked(seen)
}

func (r *CertReloader) reloadLocked(seen []os.FileInfo) error {
	r.seen = seen // a failed set is not retried until it changes again
	id, err := loadIdentity(r.files)
	if err != nil {
		r.log.Error("TLS reload failed; still serving the previous certificate", "error", err)
		return err
	}
	r.current = id
	r.log.Info("TLS certificate reloaded", "cert", r.files.Cert, "serial", id.cert.Leaf.SerialNumber.String(), "not_after", id.cert.Leaf.NotAfter)
	return nil
}

// identity returns the identity to use for a handshake, reloading first if
// the check interval elapsed and the files changed.
func (r *CertReloader) identity() *tlsIdentity {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.Now()
	if r.CheckInterval > 0 && now.Sub(r.lastCheck) < r.CheckInterval {
		return r.current
	}
	r.lastCheck = now
	seen, err := r.stat()
	if err != nil {
		if r.seen != nil { // log a vanished file once, not at every handshake
			r.log.Error("TLS files unreadable; still serving the previous certificate", "error", err)
			r.seen = nil
		}
		return r.current
	}
	if !sameFiles(r.seen, seen) {
		_ = r.reloadLocked(seen) // logged; the previous identity stays
	}
	return r.current
}

// GetCertificate implements tls.Config.GetCertificate.
func (r *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.identity().cert, nil
}

// GetConfigForClient implements tls.Config.GetConfigForClient: the
// certificate and, with a client CA, the required client verification.
func (r *CertReloader) GetConfigForClient(*tls.ClientHelloInfo) (*tls.Config, error) {
	return r.identity().grpc, nil
}

// ServerConfig is the TLS configuration of the gRPC listener.
func (r *CertReloader) ServerConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetConfigForClient: r.GetConfigForClient, NextProtos: []string{"h2"}}
}

// MetricsConfig is the TLS configuration of the metrics listener: the same
// certificate, client certificates not asked for (scrapers and probes).
func (r *CertReloader) MetricsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate}
}

func (r *CertReloader) stat() ([]os.FileInfo, error) {
	var infos []os.FileInfo
	for _, name := range []string{r.files.Cert, r.files.Key, r.files.ClientCA} {
		if name == "" {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			return nil, fmt.Errorf("TLS file: %w", err)
		}
		infos = append(infos, fi)
	}
	return infos, nil
}

// sameFiles reports whether two stats of the files show no change: same
// inode (a rename over the file changes it), size and modification time.
func sameFiles(a, b []os.FileInfo) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !os.SameFile(a[i], b[i]) || a[i].Size() != b[i].Size() || !a[i].ModTime().Equal(b[i].ModTime()) {
			return false
		}
	}
	return true
}

func loadIdentity(files TLSFiles) (*tlsIdentity, error) {
	cert, err := tls.LoadX509KeyPair(files.Cert, files.Key)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s with key %s: %w", files.Cert, files.Key, err)
	}
	if cert.Leaf == nil { // set by LoadX509KeyPair unless GODEBUG x509keypairleaf=0
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("TLS certificate %s: %w", files.Cert, err)
		}
	}
	id := &tlsIdentity{cert: &cert}
	id.grpc = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}
	if files.ClientCA != "" {
		pem, err := os.ReadFile(files.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("TLS client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS client CA %s: no PEM certificate", files.ClientCA)
		}
		id.grpc.ClientCAs = pool
		id.grpc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return id, nil
}

// CheckPlaintext refuses to serve plaintext on a non-loopback address:
// API keys would cross the network in clear. flag names the address's
// flag in the message; allowed is --insecure-plaintext.
func CheckPlaintext(flag, addr string, allowed bool) error {
	if allowed || IsLoopback(addr) {
		return nil
	}
	return fmt.Errorf("%s %s is not a loopback address and TLS is off: API keys would cross the network in clear. "+
		"Serve TLS with --tls-cert FILE --tls-key FILE (add --tls-client-ca FILE to require client certificates), "+
		"listen on 127.0.0.1, or pass --insecure-plaintext to serve plaintext anyway", flag, addr)
}

// IsLoopback reports whether a listen address host:port is on the
// loopback interface: localhost or a loopback IP. An empty host (all
// interfaces) and any other name are not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
