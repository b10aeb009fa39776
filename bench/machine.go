package bench

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Machine describes the computer a benchmark ran on.
type Machine struct {
	CPU        string `json:"cpu"`   // model name from /proc/cpuinfo
	Cores      int    `json:"cores"` // logical CPUs (runtime.NumCPU)
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	// LoadAverage is the one-minute load average when the run started
	// (from /proc/loadavg; 0 where unknown): well above 0, something else
	// was competing for the CPU.
	LoadAverage float64 `json:"load_average"`
}

// ReadMachine describes this machine.
func ReadMachine() Machine {
	return Machine{
		CPU:         cpuModel("/proc/cpuinfo"),
		Cores:       runtime.NumCPU(),
		GOMAXPROCS:  runtime.GOMAXPROCS(0),
		GoVersion:   runtime.Version(),
		GOOS:        runtime.GOOS,
		GOARCH:      runtime.GOARCH,
		LoadAverage: loadAverage("/proc/loadavg"),
	}
}

// loadAverage reads the one-minute load average from a loadavg file.
func loadAverage(path string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// cpuModel reads the CPU's name from a cpuinfo file: the first "model name"
// (x86), else "Hardware" or "cpu model" (some arm64 and other kernels), else
// "unknown <GOARCH> CPU".
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err == nil {
		defer f.Close()
		fallback := ""
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			key, val, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			key, val = strings.TrimSpace(key), strings.TrimSpace(val)
			switch key {
			case "model name":
				if val != "" {
					return val
				}
			case "Hardware", "cpu model":
				if fallback == "" {
					fallback = val
				}
			}
		}
		if fallback != "" {
			return fallback
		}
	}
	return "unknown " + runtime.GOARCH + " CPU"
}

// startPeakRSS returns memory to the operating system and, on Linux, resets
// the process's peak resident set size to the current one (by writing 5 to
// /proc/self/clear_refs), so that PeakRSS afterwards describes what follows.
// It reports whether the reset worked.
func startPeakRSS() bool {
	runtime.GC()
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
