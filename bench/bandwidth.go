package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Bandwidth is one measurement of the machine's memory read bandwidth.
type Bandwidth struct {
	CPU            string    `json:"cpu"`
	Threads        int       `json:"threads"`
	BytesPerSecond float64   `json:"bytes_per_s"`
	BufferBytes    int64     `json:"buffer_bytes"`
	Passes         int       `json:"passes"`
	MeasuredAt     time.Time `json:"measured_at"`
	// Method names the measuring kernel; cached values of another method
	// are measured again.
	Method string `json:"method"`
	// Cached reports a measurement read back from the cache file rather than
	// made by this run.
	Cached bool `json:"cached"`
}

// BandwidthOptions configure MachineBandwidth.
type BandwidthOptions struct {
	// CachePath is the cache file; "" means DefaultBandwidthCache().
	CachePath string
	// Force measures again even if the cache has a value.
	Force bool
	// BufferBytes is the size of the buffer read (0: 1 GiB), which must be
	// much larger than the last-level cache.
	BufferBytes int64
	// Passes is the number of passes over the buffer, of which the fastest
	// counts (0: 5).
	Passes int
}

// DefaultBandwidthCache is os.UserCacheDir()/sovra/bandwidth.json.
func DefaultBandwidthCache() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "sovra", "bandwidth.json"), nil
}

// bandwidthMethod is the current Bandwidth.Method.
const bandwidthMethod = "lines-v1"

// bandwidthKey keys the cache file: the CPU model and the thread count.
func bandwidthKey(cpu string, threads int) string {
	return cpu + " | " + strconv.Itoa(threads) + " threads"
}

// MachineBandwidth returns the read bandwidth of the machine whose CPU model
// is cpu with threads threads: from the cache file, or measured with
// MeasureBandwidth and stored there.
func MachineBandwidth(cpu string, threads int, o BandwidthOptions) (Bandwidth, error) {
	if threads < 1 {
		return Bandwidth{}, fmt.Errorf("bench: bandwidth with %d threads", threads)
	}
	path := o.CachePath
	if path == "" {
		var err error
		if path, err = DefaultBandwidthCache(); err != nil {
			return Bandwidth{}, fmt.Errorf("bench: no cache for the bandwidth: %w", err)
		}
	}
	cache, err := readBandwidthCache(path)
	if err != nil {
		return Bandwidth{}, err
	}
	key := bandwidthKey(cpu, threads)
	if b, ok := cache[key]; ok && !o.Force && b.BytesPerSecond > 0 && b.Method == bandwidthMethod {
		b.Cached = true
		return b, nil
	}
	size, passes := o.BufferBytes, o.Passes
	if size <= 0 {
		size = 1 << 30
	}
	if passes <= 0 {
		passes = 5
	}
	b := Bandwidth{
		CPU:            cpu,
		Threads:        threads,
		BytesPerSecond: MeasureBandwidth(threads, size, passes),
		BufferBytes:    size,
		Passes:         passes,
		MeasuredAt:     time.Now().UTC().Truncate(time.Second),
		Method:         bandwidthMethod,
	}
	cache[key] = b
	return b, writeBandwidthCache(path, cache)
}

// readBandwidthCache reads the cache file; a missing file is an empty cache.
func readBandwidthCache(path string) (map[string]Bandwidth, error) {
	cache := map[string]Bandwidth{}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cache, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if err := json.Unmarshal(data, &cache); err != nil {
		return nil, fmt.Errorf("bench: bandwidth cache %s: %w (delete it or use --bandwidth)", path, err)
	}
	return cache, nil
}

// writeBandwidthCache replaces the cache file.
func writeBandwidthCache(path string, cache map[string]Bandwidth) error {
	data, err := json.MarshalIndent(cache, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// bandwidthSink keeps the sums alive.
var bandwidthSink uint64

// MeasureBandwidth measures memory read bandwidth in bytes per second: threads
// goroutines each read their own contiguous share of a buffer of size bytes
// (every cache line, see sumLines), passes times, and the fastest pass
// counts. The buffer is written first, so
// that its pages are really mapped (reading never-written memory reads the
// zero page, which stays in cache), by the goroutine that reads it later.
func MeasureBandwidth(threads int, size int64, passes int) float64 {
	threads, passes = max(threads, 1), max(passes, 1)
	buf := make([]uint64, size/8)
	share := (len(buf)/threads + 7) &^ 7
	parts := make([][]uint64, threads)
	for i := range parts {
		lo, hi := min(i*share, len(buf)), min((i+1)*share, len(buf))
		parts[i] = buf[lo:hi]
	}
	parallel(parts, func(p []uint64) uint64 {
		for i := range p {
			p[i] = uint64(i)
		}
		return 0
	})
	best := time.Duration(0)
	for range passes {
		start := time.Now()
		bandwidthSink += parallel(parts, sumLines)
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	return float64(len(buf)*8) / best.Seconds()
}

// parallel runs fn on every part, one goroutine each, and returns the xor of
// the results.
func parallel(parts [][]uint64, fn func([]uint64) uint64) uint64 {
	var wg sync.WaitGroup
	out := make([]uint64, len(parts))
	for i, p := range parts {
		wg.Go(func() { out[i] = fn(p) })
	}
	wg.Wait()
	x := uint64(0)
	for _, v := range out {
		x ^= v
	}
	return x
}

// sumLines reads p one 8-byte word per 64-byte cache line, into four
// independent sums. Memory moves whole lines, so this brings every byte of p
// from memory, while the loop stays bound by memory rather than by
// instructions: a Go loop adding every word reaches only about 60% of the
// bandwidth on a 2-core Xeon (a SIMD kernel reads 8-byte words no faster
// than lines arrive).
func sumLines(p []uint64) uint64 {
	var s0, s1, s2, s3 uint64
	for len(p) >= 32 {
		s0 += p[0]
		s1 += p[8]
		s2 += p[16]
		s3 += p[24]
		p = p[32:]
	}
	for i := 0; i < len(p); i += 8 {
		s0 += p[i]
	}
	return s0 + s1 + s2 + s3
}
