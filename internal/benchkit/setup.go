package benchkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// Main runs bench with a context that is cancelled on an interrupt; when
// bench fails it prints "name: error" to standard error and exits with
// status 1.
func Main(name string, bench func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := bench(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Work is the working directory of a run and the binaries it starts.
type Work struct {
	// Dir is the work directory: server output, logs and databases.
	Dir string
	// Supportd is the supportd binary.
	Supportd string
	// Self is this program's executable, to re-execute as a bare server.
	Self string

	keep bool
}

// NewWork creates a work directory named after prefix under os.TempDir()
// (printing its path when keep is set), creates pprofDir when it is not
// "", builds ./cmd/supportd into the work directory when supportd is "",
// and finds this program's executable. Close removes the directory.
func NewWork(prefix, supportd, pprofDir string, keep bool) (_ *Work, err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	w := &Work{Dir: dir, Supportd: supportd, keep: keep}
	if keep {
		fmt.Println("work directory:", dir)
	}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	if pprofDir != "" {
		if err := os.MkdirAll(pprofDir, 0o755); err != nil {
			return nil, err
		}
	}
	if w.Supportd == "" {
		w.Supportd = filepath.Join(dir, "supportd")
		if out, err := exec.Command("go", "build", "-o", w.Supportd, "./cmd/supportd").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build ./cmd/supportd: %v\n%s", err, out)
		}
	}
	if w.Self, err = os.Executable(); err != nil {
		return nil, err
	}
	return w, nil
}

// Close removes the work directory unless it is to be kept.
func (w *Work) Close() {
	if !w.keep {
		os.RemoveAll(w.Dir)
	}
}

// Has reports whether the comma-separated list phases names p.
func Has(phases, p string) bool {
	for _, x := range strings.Split(phases, ",") {
		if strings.TrimSpace(x) == p {
			return true
		}
	}
	return false
}

// CPUModel is the CPU's model name from /proc/cpuinfo, or "unknown".
func CPUModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// PrintMachine prints the "machine:" line of a run's header: CPUs, CPU
// model, Go version and platform.
func PrintMachine() {
	fmt.Printf("machine: %d CPUs (nproc), %s, %s %s/%s\n", runtime.NumCPU(), CPUModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// Filing is a valid CreateTicket request of the supportd --demo partner.
func Filing(requestID string) *supportv1.CreateTicketRequest {
	return &supportv1.CreateTicketRequest{
		RequestId: requestID, CustomerId: "litware", Service: supportv1.Service_SERVICE_AZURE,
		SupportTopicId: "azure-vm-connectivity", Severity: supportv1.Severity_SEVERITY_B, Language: "en-US",
		Title: "VM unreachable", Description: "RDP to the production VMs times out since 10:00; the NSG rules did not change.",
		Contact: &supportv1.Contact{Name: "Ann Smith", Email: "ann@adatum.example"},
	}
}

// LoadAverage is the 1, 5 and 15 minute load average of the machine, as
// /proc/loadavg gives it ("?" where it cannot be read).
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
