package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// server is a child process serving gRPC on addr (as in cmd/supportbench).
type server struct {
	name  string
	cmd   *exec.Cmd
	addr  string
	pprof string // pprof address, when on
	out   string // file of its standard output
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// rss is the server process's resident set size (VmRSS), in bytes.
func (s *server) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb); err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
}

// cpuTime is the CPU time (user+system) the server process used so far.
func (s *server) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// freeAddr returns a loopback address with a free port.
func freeAddr() (string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer lis.Close()
	return lis.Addr().String(), nil
}

// start runs bin args... with stdout and stderr to files in dir and waits
// until its health service answers on addr.
func start(ctx context.Context, name, dir, addr string, bin string, args ...string) (*server, error) {
	stdout, err := os.Create(filepath.Join(dir, name+".out"))
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, cmd: cmd, addr: addr, out: stdout.Name()}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		s.stop()
		return nil, err
	}
	defer conn.Close()
	hctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(hctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
		s.stop()
		log, _ := os.ReadFile(stderr.Name())
		return nil, fmt.Errorf("%s did not serve: %w\n%s", name, err, log)
	}
	return s, nil
}

var partnerKeyLine = regexp.MustCompile(`(?m)^\s*partner:\s+(sk_\S+)`)

// demoKey reads the partner key supportd --demo printed.
func (s *server) demoKey() (string, error) {
	b, err := os.ReadFile(s.out)
	if err != nil {
		return "", err
	}
	m := partnerKeyLine.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("%s printed no partner key:\n%s", s.name, b)
	}
	return string(m[1]), nil
}

// fetch saves a pprof endpoint (path with query) of the server into file.
func (s *server) fetch(ctx context.Context, path, file string) error {
	if s.pprof == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.pprof+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(bufio.NewReader(resp.Body))
		return fmt.Errorf("pprof: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}
