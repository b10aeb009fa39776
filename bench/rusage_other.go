//go:build !unix

package bench

import "time"

// PeakRSS is the process's peak resident set size in bytes: unknown (0) on
// this system.
func PeakRSS() int64 { return 0 }

// processCPUTime is the process's CPU time: unknown (0) on this system.
func processCPUTime() time.Duration { return 0 }

// childrenCPUTime is the CPU time of the process's children: unknown (0) on
// this system.
func childrenCPUTime() time.Duration { return 0 }
