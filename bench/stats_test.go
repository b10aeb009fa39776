package bench

import (
	"math"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	xs := []float64{2, 4, 4, 4, 5, 5, 7, 9}
	// Mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32; sample
	// variance 32/7.
	if m := Mean(xs); m != 5 {
		t.Errorf("mean %v, want 5", m)
	}
	if s, want := Stddev(xs), math.Sqrt(32.0/7); math.Abs(s-want) > 1e-12 {
		t.Errorf("stddev %v, want %v", s, want)
	}
	// llama-bench's formula: sqrt(sum(x²)/(n-1) - mean²·n/(n-1)).
	sq := 0.0
	for _, x := range xs {
		sq += x * x
	}
	if lb := math.Sqrt(sq/7 - 25*8.0/7); math.Abs(Stddev(xs)-lb) > 1e-12 {
		t.Errorf("stddev %v, llama-bench's formula %v", Stddev(xs), lb)
	}
	if Mean(nil) != 0 || Stddev([]float64{3}) != 0 {
		t.Error("empty mean or single-value stddev is not 0")
	}
	// Tokens per second: 64 tokens in 0.5 s and in 0.25 s.
	ts := TokensPerSecond(64, []time.Duration{500 * time.Millisecond, 250 * time.Millisecond})
	if ts[0] != 128 || ts[1] != 256 {
		t.Errorf("t/s %v, want [128 256]", ts)
	}
	// avg_ts is the mean of the per-repetition speeds, not n / mean time.
	r := newResult("sovra", Test{Kind: PP, N: 64}, []time.Duration{500 * time.Millisecond, 250 * time.Millisecond})
	if r.AvgTS != 192 || math.Abs(r.StddevTS-math.Sqrt(2*64*64)) > 1e-9 {
		t.Errorf("avg_ts %v ± %v, want 192 ± %v", r.AvgTS, r.StddevTS, math.Sqrt(2*64*64))
	}
	if r.AvgNS != 375e6 || r.StddevNS != 176776695 {
		t.Errorf("avg_ns %v ± %v, want 375000000 ± 176776695", r.AvgNS, r.StddevNS)
	}
	if r.Test != "pp64" || r.NPrompt != 64 || r.NGen != 0 {
		t.Errorf("test %q n_prompt %d n_gen %d", r.Test, r.NPrompt, r.NGen)
	}
}
