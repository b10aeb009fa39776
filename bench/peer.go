package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"sovra/bench/llamacpp"
)

// Peer runs the same tests on another runtime, for comparison.
type Peer interface {
	// Info describes the peer for the report.
	Info() PeerInfo
	// Run runs t with reps timed repetitions and returns its result, with
	// Runner set to the peer's name.
	Run(ctx context.Context, t Test, reps int) (*Result, error)
}

// PeerInfo describes a peer runtime.
type PeerInfo struct {
	Name    string `json:"name"`    // "llama.cpp"
	Version string `json:"version"` // "0.5.0-dev (build 1, commit 0ad4a86)"
	// Backend is the peer's own backend, such as "CPU (zen4)".
	Backend string `json:"backend,omitempty"`
}

// LlamaCpp is llama.cpp's llama-bench as a Peer.
type LlamaCpp struct {
	Bench *llamacpp.Bench
}

// FindLlamaCpp finds llama-bench, building it on first use (see package
// llamacpp; progress goes to log). The error matches llamacpp.ErrMissingTool
// when npm, git or g++ is missing.
func FindLlamaCpp(ctx context.Context, log io.Writer) (*LlamaCpp, error) {
	b, err := llamacpp.Find(ctx, llamacpp.Options{Log: log})
	if err != nil {
		return nil, err
	}
	return &LlamaCpp{Bench: b}, nil
}

// Info names llama.cpp, its version and the ggml CPU variant it loads.
func (l *LlamaCpp) Info() PeerInfo {
	backend := "CPU"
	if l.Bench.CPUVariant != "" {
		backend += " (" + l.Bench.CPUVariant + ")"
	}
	return PeerInfo{Name: "llama.cpp", Version: l.Bench.Version, Backend: backend}
}

// Run runs t with llama-bench: same file, threads and repetitions, and
// llama-bench's defaults for everything else (one warm-up, batch 2048,
// ubatch 512, f16 KV cache).
func (l *LlamaCpp) Run(ctx context.Context, t Test, reps int) (*Result, error) {
	r, err := l.Bench.Run(ctx, llamacpp.Test{
		Model:   t.Model,
		Prompt:  t.NPrompt(),
		Gen:     t.NGen(),
		Reps:    reps,
		Threads: t.Threads,
	})
	if err != nil {
		return nil, err
	}
	samples := make([]time.Duration, len(r.SamplesNS))
	for i, ns := range r.SamplesNS {
		samples[i] = time.Duration(ns)
	}
	res := newResult("llama.cpp", t, samples)
	res.ModelType = r.ModelType
	res.ModelSize = r.ModelSize
	res.ModelParams = r.ModelParams
	res.Backend = r.Backend
	res.Threads = r.Threads
	// llama-bench's own figures, which newResult recomputed from the samples.
	res.AvgTS, res.StddevTS, res.SamplesTS = r.AvgTS, r.StddevTS, r.SamplesTS
	return res, nil
}

// peerKey identifies a peer test: the peer does not depend on the backend.
func peerKey(t Test) string {
	return fmt.Sprintf("%s|%d|%s|%d", t.Model, t.Threads, t.Kind, t.N)
}
