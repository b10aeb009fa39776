// Package llamacpp finds or builds llama.cpp's own llama-bench and runs it, so that
// sovra's numbers can be set side by side with llama.cpp's on the same GGUF file.
//
// # Where llama-bench comes from
//
// No llama.cpp release is downloaded and llama.cpp is not built from source. The npm
// package node-llama-cpp@3.22.1 ships both halves of what is needed:
//
//   - prebuilt llama.cpp CPU shared libraries in its optional dependency
//     @node-llama-cpp/linux-x64 (linux-arm64 on arm64), under
//     node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/: libllama.v0.5.0.so,
//     libllama-common.so (llama.cpp's common/ library, build info included),
//     libggml.v0.5.0.so, libggml-base.so, and one CPU backend per instruction-set
//     level (libggml-cpu-{x64,sse42,sandybridge,ivybridge,piledriver,haswell,
//     alderlake,skylakex,cannonlake,cascadelake,cooperlake,icelake,zen4,
//     sapphirerapids}.so), which ggml scores at start-up, loading the best one the
//     CPU supports (zen4 on an AVX-512 VNNI/BF16 Xeon without AMX);
//   - the matching llama.cpp source as a git bundle,
//     node_modules/node-llama-cpp/llama/gitRelease.bundle (release v0.5.0).
//
// Find does the following once, under <CacheDir>/node-llama-cpp-3.22.1/ ($LIB below
// is npm/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64), and reuses the result
// afterwards:
//
//	# 1. the packages, about 10 s and 85 MB: --ignore-scripts skips node-llama-cpp's
//	#    postinstall download; naming the one platform package and omitting the
//	#    optional ones skips the CUDA and Vulkan builds (725 MB, about 70 s)
//	npm install --prefix npm --save-exact --omit=optional --ignore-scripts \
//	    --no-audit --no-fund node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1
//
//	# 2. the files llama-bench compiles from, about 6 s
//	git clone --quiet --no-checkout npm/node_modules/node-llama-cpp/llama/gitRelease.bundle src
//	git -C src checkout --quiet HEAD -- include ggml/include common tools/llama-bench
//
//	# 3. llama-bench alone against the prebuilt libraries, about 11 s on 2 cores
//	g++ -std=c++17 -O2 -DNDEBUG -pthread \
//	    -I src/include -I src/ggml/include -I src/common \
//	    src/tools/llama-bench/llama-bench.cpp src/tools/llama-bench/main.cpp \
//	    -o bin/llama-bench \
//	    $LIB/libllama-common.so $LIB/libllama.v0.5.0.so $LIB/libggml.v0.5.0.so \
//	    $LIB/libggml-base.so -Wl,-rpath,$LIB
//
//	# 4. the CPU backends next to the binary
//	ln -s $LIB/libggml-cpu-*.so bin/
//
// Step 4 is needed because the libraries are built with GGML_BACKEND_DL: ggml looks
// for its CPU backends next to the executable and in the working directory, and Run
// runs bin/llama-bench in bin/. llama-bench.cpp needs nothing else: common/ (argument helpers, build
// info, model download, fit) is already compiled into libllama-common.so.
//
// The tools this needs are npm (with Node.js), git and g++: on Debian,
// apt-get install nodejs npm git g++.
//
// # What a run measures
//
// Run passes only what a Test gives (-p, -n or -pg, -r, -t, -b) plus -o json, so
// everything else is llama-bench's default: one warm-up run, ubatch 512, f16 KV
// cache, flash attention auto, load mode auto, poll 50, no CPU mask. A prompt test
// is run with -n 0 and a generation test with -p 0, so one Run is exactly one
// llama-bench test. Run changes no CPU setting (governor, affinity, priority).
package llamacpp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Bench is a usable llama-bench binary.
type Bench struct {
	// Path is the llama-bench executable.
	Path string
	// Version is llama.cpp's version line as `llama-bench --version` prints it,
	// for example "0.5.0-dev (build 1, commit 0ad4a86)".
	Version string
	// LibDir is the directory of the prebuilt libllama and libggml libraries.
	LibDir string
	// CPUVariant is the ggml CPU backend that llama-bench loads on this machine,
	// for example "zen4" for libggml-cpu-zen4.so; empty if it did not say.
	CPUVariant string
}

// Test is one llama-bench test. A zero field means llama-bench's default,
// except Prompt and Gen: zero means none.
type Test struct {
	// Model is the GGUF file.
	Model string
	// Prompt is the number of prompt tokens processed in one batch (a "pp" test).
	Prompt int
	// Gen is the number of tokens generated one at a time (a "tg" test). With
	// Prompt also set, the test is a combined "pp+tg" one (-pg Prompt,Gen).
	Gen int
	// Reps is the number of measured repetitions (llama-bench default: 5).
	Reps int
	// Threads is the number of threads (llama-bench default: the number of
	// physical cores).
	Threads int
	// Batch is the logical batch size (llama-bench default: 2048).
	Batch int
}

// Result is one llama-bench result, as printed with -o json.
type Result struct {
	ModelType   string // model_type, e.g. "llama ?B Q4_0"
	ModelSize   int64  // model_size: bytes of weights
	ModelParams int64  // model_n_params
	Backend     string // backends, e.g. "CPU"
	Threads     int    // n_threads
	NPrompt     int    // n_prompt
	NGen        int    // n_gen
	NBatch      int    // n_batch
	NUBatch     int    // n_ubatch

	AvgTS     float64   // avg_ts: mean tokens per second over the repetitions
	StddevTS  float64   // stddev_ts
	AvgNS     int64     // avg_ns: mean wall time of one repetition
	StddevNS  int64     // stddev_ns
	SamplesTS []float64 // samples_ts: tokens per second of each repetition
	SamplesNS []int64   // samples_ns: wall time of each repetition

	// Raw is the whole JSON object llama-bench printed for this test.
	Raw json.RawMessage
}

// Args returns the llama-bench arguments that Run passes for t.
func (t Test) Args() ([]string, error) {
	if t.Model == "" {
		return nil, errors.New("llamacpp: Test.Model is empty")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Prompt", t.Prompt}, {"Gen", t.Gen}, {"Reps", t.Reps}, {"Threads", t.Threads}, {"Batch", t.Batch}} {
		if f.v < 0 {
			return nil, fmt.Errorf("llamacpp: Test.%s is %d, want >= 0", f.name, f.v)
		}
	}
	args := []string{"-m", t.Model}
	switch {
	case t.Prompt > 0 && t.Gen > 0:
		args = append(args, "-p", "0", "-n", "0", "-pg", fmt.Sprintf("%d,%d", t.Prompt, t.Gen))
	case t.Prompt > 0:
		args = append(args, "-p", strconv.Itoa(t.Prompt), "-n", "0")
	case t.Gen > 0:
		args = append(args, "-p", "0", "-n", strconv.Itoa(t.Gen))
	default:
		return nil, errors.New("llamacpp: Test has neither Prompt nor Gen tokens")
	}
	if t.Reps > 0 {
		args = append(args, "-r", strconv.Itoa(t.Reps))
	}
	if t.Threads > 0 {
		args = append(args, "-t", strconv.Itoa(t.Threads))
	}
	if t.Batch > 0 {
		args = append(args, "-b", strconv.Itoa(t.Batch))
	}
	return append(args, "-o", "json"), nil
}

// Run runs one llama-bench test and returns its parsed result.
func (b *Bench) Run(ctx context.Context, t Test) (*Result, error) {
	model, err := filepath.Abs(t.Model)
	if err != nil {
		return nil, fmt.Errorf("llamacpp: %w", err)
	}
	if _, err := os.Stat(model); err != nil {
		return nil, fmt.Errorf("llamacpp: model: %w", err)
	}
	t.Model = model // Run works in the binary's directory
	args, err := t.Args()
	if err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.Path, args...)
	cmd.Dir = filepath.Dir(b.Path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("llamacpp: %s: %w", commandLine(cmd), ctx.Err())
		}
		return nil, fmt.Errorf("llamacpp: %s: %w%s", commandLine(cmd), err, tail(stderr.Bytes()))
	}
	rs, err := Parse(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("llamacpp: %s: %w%s", commandLine(cmd), err, tail(stderr.Bytes()))
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("llamacpp: %s: printed %d results, want 1", commandLine(cmd), len(rs))
	}
	r := &rs[0]
	if r.NPrompt != t.Prompt || r.NGen != t.Gen {
		return nil, fmt.Errorf("llamacpp: %s: result is for n_prompt=%d n_gen=%d, want %d and %d",
			commandLine(cmd), r.NPrompt, r.NGen, t.Prompt, t.Gen)
	}
	return r, nil
}

// result holds the fields of one llama-bench JSON object that Result keeps.
// Pointers mark the fields that must be present.
type result struct {
	ModelType   *string   `json:"model_type"`
	ModelSize   int64     `json:"model_size"`
	ModelParams int64     `json:"model_n_params"`
	Backends    string    `json:"backends"`
	NThreads    *int      `json:"n_threads"`
	NPrompt     *int      `json:"n_prompt"`
	NGen        *int      `json:"n_gen"`
	NBatch      int       `json:"n_batch"`
	NUBatch     int       `json:"n_ubatch"`
	AvgTS       *float64  `json:"avg_ts"`
	StddevTS    float64   `json:"stddev_ts"`
	AvgNS       int64     `json:"avg_ns"`
	StddevNS    int64     `json:"stddev_ns"`
	SamplesTS   []float64 `json:"samples_ts"`
	SamplesNS   []int64   `json:"samples_ns"`
}

// Parse parses the standard output of `llama-bench -o json`: a JSON array with one
// object per test.
func Parse(data []byte) ([]Result, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("parsing llama-bench JSON output: %w", err)
	}
	rs := make([]Result, 0, len(raws))
	for i, raw := range raws {
		var r result
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("parsing llama-bench result %d: %w", i, err)
		}
		switch {
		case r.ModelType == nil:
			return nil, fmt.Errorf("llama-bench result %d has no model_type", i)
		case r.NThreads == nil:
			return nil, fmt.Errorf("llama-bench result %d has no n_threads", i)
		case r.NPrompt == nil || r.NGen == nil:
			return nil, fmt.Errorf("llama-bench result %d has no n_prompt or n_gen", i)
		case r.AvgTS == nil:
			return nil, fmt.Errorf("llama-bench result %d has no avg_ts", i)
		case len(r.SamplesTS) == 0 || len(r.SamplesTS) != len(r.SamplesNS):
			return nil, fmt.Errorf("llama-bench result %d has %d samples_ts and %d samples_ns",
				i, len(r.SamplesTS), len(r.SamplesNS))
		}
		rs = append(rs, Result{
			ModelType:   *r.ModelType,
			ModelSize:   r.ModelSize,
			ModelParams: r.ModelParams,
			Backend:     r.Backends,
			Threads:     *r.NThreads,
			NPrompt:     *r.NPrompt,
			NGen:        *r.NGen,
			NBatch:      r.NBatch,
			NUBatch:     r.NUBatch,
			AvgTS:       *r.AvgTS,
			StddevTS:    r.StddevTS,
			AvgNS:       r.AvgNS,
			StddevNS:    r.StddevNS,
			SamplesTS:   r.SamplesTS,
			SamplesNS:   r.SamplesNS,
			Raw:         raw,
		})
	}
	return rs, nil
}

// commandLine renders cmd for error messages and logs.
func commandLine(cmd *exec.Cmd) string {
	return strings.Join(cmd.Args, " ")
}

// tail returns the last lines of a command's output, prefixed by a newline, for
// an error message; empty if there is no output.
func tail(out []byte) string {
	const max = 2000
	out = bytes.TrimSpace(out)
	if len(out) == 0 {
		return ""
	}
	if len(out) > max {
		out = out[len(out)-max:]
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			out = out[i+1:]
		}
	}
	return "\n" + string(out)
}
