package bench

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// cpuSettings are the CPU settings a benchmark could be tempted to change.
type cpuSettings struct {
	affinity   []int
	nice       int
	gomaxprocs int
	governors  map[string]string
}

func readCPUSettings(t *testing.T) cpuSettings {
	var s cpuSettings
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err == nil {
		for i := range 1024 {
			if set.IsSet(i) {
				s.affinity = append(s.affinity, i)
			}
		}
	}
	s.nice, _ = syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	s.gomaxprocs = runtime.GOMAXPROCS(0)
	s.governors = map[string]string{}
	files, _ := filepath.Glob("/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor")
	files2, _ := filepath.Glob("/sys/devices/system/cpu/cpu*/cpufreq/scaling_min_freq")
	for _, f := range append(files, files2...) {
		b, _ := os.ReadFile(f)
		s.governors[f] = string(b)
	}
	return s
}

// TestNoCPUSettingsChanged runs the bench (bandwidth and a suite) and checks
// that affinity, priority, GOMAXPROCS and the frequency governors are as
// before; and that the package's code has no call that could change them.
func TestNoCPUSettingsChanged(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads Linux settings")
	}
	before := readCPUSettings(t)
	MeasureBandwidth(2, 8<<20, 2)
	if model := filepath.Join(sharedModels, "parity-llama-Q4_0.gguf"); fileExists(model) {
		p := Plan{Models: []string{model}, Backends: []string{"cpu"}, Threads: []int{2}, Prompts: []int{4}, Gens: []int{2}, Reps: 1}
		if err := Run(context.Background(), p, &Report{}, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	after := readCPUSettings(t)
	if !slices.Equal(before.affinity, after.affinity) || before.nice != after.nice || before.gomaxprocs != after.gomaxprocs {
		t.Errorf("settings changed: %+v, then %+v", before, after)
	}
	for f, v := range before.governors {
		if after.governors[f] != v {
			t.Errorf("%s: %q, then %q", f, v, after.governors[f])
		}
	}

	sources, _ := filepath.Glob("*.go")
	for _, src := range sources {
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"SchedSetaffinity", "Setpriority", "GOMAXPROCS(n", "debug.SetGCPercent", "/sys/devices/system/cpu", "cpufreq", "LockOSThread", "Nice("} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s contains %q", src, bad)
			}
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
