// Package benchkit holds what the load generators cmd/supportbench and
// cmd/watchbench share: starting a server process and waiting until its
// health service answers, free loopback addresses, the partner key that
// supportd --demo prints, pprof fetching, the process's CPU time and RSS
// from /proc, and the setup of a run (work directory, supportd binary,
// machine line, signal handling).
package benchkit

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

// Server is a child process serving gRPC on Addr.
type Server struct {
	// Name names the server in file names and messages.
	Name string
	// Addr is the address its gRPC server listens on.
	Addr string
	// Pprof is its pprof address, or "" when pprof is off.
	Pprof string
	// Out is the file its standard output goes to.
	Out string

	cmd *exec.Cmd
}

// Stop interrupts the server and waits for it to exit, killing it after
// 15 seconds.
func (s *Server) Stop() {
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

// CPUTime is the CPU time (user+system) the server process used so far,
// or 0 when /proc cannot tell.
func (s *Server) CPUTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): state is
	// field 3, utime 14, stime 15, in clock ticks (100 per second on Linux).
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

// RSS is the server process's resident set size (VmRSS), in bytes.
func (s *Server) RSS() (int64, error) {
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

// FreeAddr returns a loopback address with a free port.
func FreeAddr() (string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer lis.Close()
	return lis.Addr().String(), nil
}

// Start runs bin args... with stdout and stderr to the files NAME.out and
// NAME.log in dir and waits until its health service answers on addr.
func Start(ctx context.Context, name, dir, addr string, bin string, args ...string) (*Server, error) {
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
	s := &Server{Name: name, cmd: cmd, Addr: addr, Out: stdout.Name()}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		s.Stop()
		return nil, err
	}
	defer conn.Close()
	hctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(hctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
		s.Stop()
		log, _ := os.ReadFile(stderr.Name())
		return nil, fmt.Errorf("%s did not serve: %w\n%s", name, err, log)
	}
	return s, nil
}

// StartSupportd runs `supportd serve --listen ADDR args...` (bin is the
// supportd binary) on a free loopback address, as Start does; with pprof
// it adds --pprof-listen on another free address and sets Pprof.
func StartSupportd(ctx context.Context, name, dir, bin string, pprof bool, args ...string) (*Server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	args = append([]string{"serve", "--listen", addr, "--http-listen", ""}, args...)
	var pprofAddr string
	if pprof {
		if pprofAddr, err = FreeAddr(); err != nil {
			return nil, err
		}
		args = append(args, "--pprof-listen", pprofAddr)
	}
	srv, err := Start(ctx, name, dir, addr, bin, args...)
	if err != nil {
		return nil, err
	}
	srv.Pprof = pprofAddr
	return srv, nil
}

var demoKeyLine = regexp.MustCompile(`(?m)^\s*(admin|agent|partner):\s+(sk_\S+)`)

// DemoKey reads the partner key supportd --demo printed.
func (s *Server) DemoKey() (string, error) { return s.DemoKeyOf("partner") }

// DemoKeyOf reads the key of role ("admin", "agent" or "partner") that
// supportd --demo printed.
func (s *Server) DemoKeyOf(role string) (string, error) {
	b, err := os.ReadFile(s.Out)
	if err != nil {
		return "", err
	}
	for _, m := range demoKeyLine.FindAllSubmatch(b, -1) {
		if string(m[1]) == role {
			return string(m[2]), nil
		}
	}
	return "", fmt.Errorf("%s printed no %s key:\n%s", s.Name, role, b)
}

// Fetch saves a pprof endpoint (path with query, e.g. /debug/pprof/heap)
// of the server into file; it does nothing when Pprof is "".
func (s *Server) Fetch(ctx context.Context, path, file string) error {
	if s.Pprof == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Pprof+path, nil)
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

// Profile fetches a CPU profile of d (whole seconds) from the server's
// pprof endpoint into file; it does nothing when Pprof is "".
func (s *Server) Profile(ctx context.Context, d time.Duration, file string) error {
	return s.Fetch(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds())), file)
}
