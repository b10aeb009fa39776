package bench

import (
	"math"
	"time"
)

// Mean is the arithmetic mean of xs (0 for none).
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Stddev is the sample standard deviation of xs, with n-1 in the
// denominator, as llama-bench computes it (0 for fewer than two values).
func Stddev(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m := Mean(xs)
	s := 0.0
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)-1))
}

// TokensPerSecond converts the wall time of each repetition of a test of n
// tokens into tokens per second (llama-bench's samples_ts).
func TokensPerSecond(n int, samples []time.Duration) []float64 {
	ts := make([]float64, len(samples))
	for i, d := range samples {
		ts[i] = float64(n) / d.Seconds()
	}
	return ts
}

// nanos returns the samples in nanoseconds (llama-bench's samples_ns).
func nanos(samples []time.Duration) []int64 {
	ns := make([]int64, len(samples))
	for i, d := range samples {
		ns[i] = d.Nanoseconds()
	}
	return ns
}

// meanStddevNS is the mean and sample standard deviation of ns, truncated to
// whole nanoseconds as llama-bench prints avg_ns and stddev_ns.
func meanStddevNS(ns []int64) (int64, int64) {
	xs := make([]float64, len(ns))
	for i, v := range ns {
		xs[i] = float64(v)
	}
	return int64(Mean(xs)), int64(Stddev(xs))
}
