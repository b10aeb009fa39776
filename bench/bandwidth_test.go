package bench

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSumLines(t *testing.T) {
	for n := range 80 {
		p := make([]uint64, n)
		want := uint64(0)
		for i := range p {
			p[i] = uint64(i*i + 1)
			if i%8 == 0 {
				want += p[i] // one word of each 64-byte line
			}
		}
		if got := sumLines(p); got != want {
			t.Errorf("n=%d: %d, want %d", n, got, want)
		}
	}
}

func TestBandwidthCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sovra", "bandwidth.json")
	o := BandwidthOptions{CachePath: path, BufferBytes: 8 << 20, Passes: 2}
	first, err := MachineBandwidth("Test CPU", 2, o)
	if err != nil {
		t.Fatal(err)
	}
	if first.Cached || first.BytesPerSecond <= 0 || first.Threads != 2 || first.BufferBytes != 8<<20 || first.Passes != 2 {
		t.Fatalf("first measurement %+v", first)
	}
	again, err := MachineBandwidth("Test CPU", 2, o)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.BytesPerSecond != first.BytesPerSecond {
		t.Errorf("second call %+v, want the cached %v", again, first.BytesPerSecond)
	}
	// Another thread count or CPU is another key.
	for _, c := range []struct {
		cpu     string
		threads int
	}{{"Test CPU", 1}, {"Other CPU", 2}} {
		b, err := MachineBandwidth(c.cpu, c.threads, o)
		if err != nil || b.Cached {
			t.Errorf("%s, %d threads: %+v, %v: want a new measurement", c.cpu, c.threads, b, err)
		}
	}
	o.Force = true
	if b, err := MachineBandwidth("Test CPU", 2, o); err != nil || b.Cached {
		t.Errorf("forced: %+v, %v: want a new measurement", b, err)
	}
	// A value measured by another method is measured again.
	cache, _ := readBandwidthCache(path)
	old := cache[bandwidthKey("Test CPU", 2)]
	old.Method = "sum-v0"
	cache[bandwidthKey("Test CPU", 2)] = old
	writeBandwidthCache(path, cache)
	if b, err := MachineBandwidth("Test CPU", 2, BandwidthOptions{CachePath: path, BufferBytes: 8 << 20, Passes: 1}); err != nil || b.Cached || b.Method != bandwidthMethod {
		t.Errorf("old method: %+v, %v: want a new measurement", b, err)
	}
	cache, err = readBandwidthCache(path)
	if err != nil || len(cache) != 3 {
		t.Errorf("cache holds %d entries (%v), want 3", len(cache), err)
	}
	os.WriteFile(path, []byte("{not json"), 0o644)
	if _, err := MachineBandwidth("Test CPU", 2, BandwidthOptions{CachePath: path}); err == nil {
		t.Error("a corrupt cache was accepted")
	}
	if _, err := MachineBandwidth("Test CPU", 0, o); err == nil {
		t.Error("0 threads accepted")
	}
}
