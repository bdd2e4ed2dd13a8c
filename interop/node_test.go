package interop

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// npmCI installs interop/node's pinned dependencies with `npm ci` unless
// node_modules is already up to date with package-lock.json.
func npmCI(t *testing.T, dir string) {
	t.Helper()
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if inst, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && !inst.ModTime().Before(lock.ModTime()) {
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startSupportd builds and runs `supportd serve --demo` and returns its
// address and the demo partner key.
func startSupportd(t *testing.T) (addr, partnerKey string) {
	t.Helper()
	addr, _, partnerKey = startSupportdHTTP(t)
	return addr, partnerKey
}

// startSupportdHTTP is startSupportd that also returns the address of
// the HTTP listener (--http-listen).
func startSupportdHTTP(t *testing.T) (addr, httpAddr, partnerKey string) {
	t.Helper()
	d := startDemo(t)
	return d.addr, d.httpAddr, d.keys["partner"]
}

// demoServer is a running `supportd serve --demo` and the keys it printed
// by role ("admin", "agent", "partner").
type demoServer struct {
	addr, httpAddr string
	db             string // its database file
	keys           map[string]string
}

// startDemo builds and runs `supportd serve --demo` (gRPC and HTTP on free
// loopback ports, metrics off) until the test ends.
func startDemo(t *testing.T) demoServer {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "supportd")
	build := exec.Command("go", "build", "-o", bin, "github.com/supportd/supportd/cmd/supportd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build supportd: %v\n%s", err, out)
	}
	addr, httpAddr := freeAddr(t), freeAddr(t)
	db := filepath.Join(dir, "supportd.db")
	cmd := exec.Command(bin, "serve", "--listen", addr, "--http-listen", httpAddr, "--db", db, "--demo",
		"--metrics-listen", "", "--log-level", "warn", "--grace-period", "2s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	keyc := make(chan map[string]string, 1)
	go func() {
		re := regexp.MustCompile(`^\s*(admin|agent|partner):\s+(sk_\S+)`)
		keys := map[string]string{}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				keys[m[1]] = m[2]
				if m[1] == "partner" { // printed last
					keyc <- keys
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case keys := <-keyc:
		return demoServer{addr: addr, httpAddr: httpAddr, db: db, keys: keys}
	case <-exited:
		t.Fatal("supportd exited before printing the demo keys")
	case <-time.After(60 * time.Second):
		t.Fatal("no demo partner key printed within 60s")
	}
	panic("unreachable")
}

func TestNodeClientReadsAndWatches(t *testing.T) {
	if testing.Short() {
		t.Skip("builds supportd and runs npm ci: not under -short")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	nodeDir, err := filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	npmCI(t, nodeDir)
	addr, key := startSupportd(t)

	c, err := client.New(addr, client.WithInsecure(), client.WithAPIKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The server may still be binding: the client's retries of UNAVAILABLE
	// cover the first call.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	tk, err := c.CreateTicket(ctx, &supportv1.CreateTicketRequest{
		CustomerId: "litware", Service: supportv1.Service_SERVICE_AZURE, SupportTopicId: "azure-vm-connectivity",
		Severity: supportv1.Severity_SEVERITY_B, Title: "Interop", Description: "Filed by the Go client, read by Node",
		Language: "en-US", Contact: &supportv1.Contact{Name: "Ann Smith", Email: "ann@adatum.example"},
	})
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	if _, err := c.AddTicketNote(ctx, tk.GetId(), "a note from Go"); err != nil {
		t.Fatalf("AddTicketNote: %v", err)
	}

	nctx, ncancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer ncancel()
	node := exec.CommandContext(nctx, "node", "watch.js", addr, key, tk.GetId())
	node.Dir = nodeDir
	node.Stderr = t.Output()
	out, err := node.Output()
	if err != nil {
		t.Fatalf("node watch.js: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{
		"TICKET " + tk.GetId() + " TICKET_STATUS_NEW SEVERITY_B",
		"EVENT * TICKET_EVENT_TYPE_CREATED " + tk.GetId(),
		"EVENT * TICKET_EVENT_TYPE_NOTE_ADDED " + tk.GetId(),
		"CHECKPOINT *",
		"DONE",
	}
	if len(lines) != len(want) {
		t.Fatalf("node output:\n%s\nwant %d lines like %q", out, len(want), want)
	}
	var last int64
	for i, w := range want {
		f, g := strings.Fields(w), strings.Fields(lines[i])
		if len(f) != len(g) {
			t.Fatalf("line %d %q, want %q", i, lines[i], w)
		}
		for j := range f {
			if f[j] != "*" && f[j] != g[j] {
				t.Fatalf("line %d %q, want %q", i, lines[i], w)
			}
		}
		if g[0] == "EVENT" {
			seq, err := strconv.ParseInt(g[1], 10, 64)
			if err != nil || seq <= last {
				t.Fatalf("sequence %q after %d", g[1], last)
			}
			last = seq
		}
	}
}
