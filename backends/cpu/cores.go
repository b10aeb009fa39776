package cpu

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// physicalCores counts the distinct physical cores the process may run on,
// from Linux's CPU topology files: hyperthreads of one core share its
// execution units and memory bandwidth, so a second thread per core only adds
// contention to memory-bound decoding. Elsewhere, or if the files cannot be
// read, it is runtime.NumCPU. It never exceeds GOMAXPROCS.
func physicalCores() int {
	n := runtime.NumCPU()
	dirs, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*/topology")
	cores := map[string]bool{}
	for _, d := range dirs {
		core, err1 := os.ReadFile(filepath.Join(d, "core_id"))
		pkg, err2 := os.ReadFile(filepath.Join(d, "physical_package_id"))
		if err1 != nil || err2 != nil {
			cores = nil
			break
		}
		cores[strings.TrimSpace(string(pkg))+"/"+strings.TrimSpace(string(core))] = true
	}
	if len(cores) > 0 && len(cores) < n {
		n = len(cores)
	}
	return max(1, min(n, runtime.GOMAXPROCS(0)))
}
