package bench

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestCPUModel(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ cpuinfo, want string }{
		{"processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n", "Intel(R) Xeon(R) Processor"},
		{"processor\t: 0\nBogoMIPS\t: 48.00\n\nHardware\t: BCM2835\n", "BCM2835"},
		{"processor\t: 0\n", "unknown " + runtime.GOARCH + " CPU"},
	} {
		p := filepath.Join(dir, "cpuinfo")
		os.WriteFile(p, []byte(c.cpuinfo), 0o644)
		if got := cpuModel(p); got != c.want {
			t.Errorf("%q: %q, want %q", c.cpuinfo, got, c.want)
		}
	}
	if got := cpuModel(filepath.Join(dir, "missing")); got != "unknown "+runtime.GOARCH+" CPU" {
		t.Errorf("missing file: %q", got)
	}
	os.WriteFile(filepath.Join(dir, "loadavg"), []byte("1.87 0.97 1.49 3/200 8011\n"), 0o644)
	if got := loadAverage(filepath.Join(dir, "loadavg")); got != 1.87 {
		t.Errorf("load average %v, want 1.87", got)
	}
	m := ReadMachine()
	if m.CPU == "" || m.Cores < 1 || m.GoVersion != runtime.Version() || m.GOARCH != runtime.GOARCH {
		t.Errorf("machine %+v", m)
	}
}

func TestPeakRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS reset is Linux only")
	}
	if !startPeakRSS() {
		t.Skip("cannot write /proc/self/clear_refs")
	}
	before := PeakRSS()
	b := make([]byte, 64<<20)
	for i := range b {
		b[i] = 1
	}
	after := PeakRSS()
	// getrusage never reports less than the peak of the image that exec
	// replaced (here the go command's), so before may be above the real one.
	if after < 64<<20 || after <= before {
		t.Errorf("peak RSS %d after touching 64 MiB, %d before", after, before)
	}
	b = nil
	if !startPeakRSS() {
		t.Fatal("reset failed")
	}
	if reset := PeakRSS(); reset >= after {
		t.Errorf("peak RSS %d after the reset, %d before", reset, after)
	}
}

func TestSystemCPUTime(t *testing.T) {
	p := filepath.Join(t.TempDir(), "stat")
	os.WriteFile(p, []byte("cpu  100 2 30 5000 7 1 2 3 40 0\ncpu0 50 1 15 2500 3 0 1 1 20 0\nintr 1\n"), 0o644)
	// user 100 + nice 2 + system 30 + irq 1 + softirq 2 + steal 3 ticks.
	if d, ok := systemCPUTime(p); !ok || d != 138*10*time.Millisecond {
		t.Errorf("%v, %v; want 1.38s", d, ok)
	}
	if _, ok := systemCPUTime(filepath.Join(t.TempDir(), "none")); ok {
		t.Error("a missing file gave a time")
	}
	if runtime.GOOS == "linux" {
		c := startContention()
		spin(100 * time.Millisecond) // our own work is not contention
		if l, ok := c.load(); !ok || l < 0 || l > float64(runtime.NumCPU()) {
			t.Errorf("load %v, %v", l, ok)
		}
	}
}
