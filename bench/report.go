package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Report is everything one bench run measured. Its JSON form is the -o json
// output.
type Report struct {
	Machine Machine `json:"machine"`
	// Bandwidth holds the read bandwidth for each thread count of the run.
	Bandwidth []Bandwidth `json:"bandwidth"`
	// Reps is the number of timed repetitions per test.
	Reps int `json:"reps"`
	// Peer describes the runtime compared with, if any.
	Peer *PeerInfo `json:"peer,omitempty"`
	// PeerError says why a comparison was asked for and not made.
	PeerError string   `json:"peer_error,omitempty"`
	Results   []Result `json:"results"`
	// Notes are remarks on the run, such as a peer test that failed.
	Notes []string `json:"notes,omitempty"`
}

// Result is one test's outcome, by sovra or by a peer. The field names are
// llama-bench's where it has the field.
type Result struct {
	Runner        string `json:"runner"` // "sovra", or the peer's name
	ModelFilename string `json:"model_filename"`
	ModelType     string `json:"model_type"`
	ModelSize     int64  `json:"model_size"`
	ModelParams   int64  `json:"model_n_params"`
	Backend       string `json:"backends"`
	// Threads is the number of threads the runner used: what the backend
	// reports when it can, else what was asked for.
	Threads   int       `json:"n_threads"`
	NPrompt   int       `json:"n_prompt"`
	NGen      int       `json:"n_gen"`
	Test      string    `json:"test"` // "pp512", "tg128"
	AvgNS     int64     `json:"avg_ns"`
	StddevNS  int64     `json:"stddev_ns"`
	AvgTS     float64   `json:"avg_ts"`
	StddevTS  float64   `json:"stddev_ts"`
	SamplesNS []int64   `json:"samples_ns"`
	SamplesTS []float64 `json:"samples_ts"`

	// ThreadsAsked is the thread count requested of the backend (sovra only).
	ThreadsAsked int `json:"threads_asked,omitempty"`
	// Busy is CPU time over wall time in the timed regions: the average
	// number of busy threads (sovra only).
	Busy float64 `json:"threads_busy,omitempty"`
	// OtherLoad is the average number of CPUs kept busy by other processes
	// (or taken by the hypervisor) while the test ran, warm-up included: well
	// above 0, the machine was not idle and the speed is not trustworthy.
	OtherLoad float64 `json:"other_load"`
	// LoadMS is the time to load the model (sovra only).
	LoadMS float64 `json:"load_ms,omitempty"`
	// CompileMS is the time the backend spent compiling graphs for this test
	// (sovra, on backends that compile: see backends.Compiler; nil on
	// others): the graphs of the test's shape compiled in its warm-up, or,
	// for the first one-token test (tg, pp1), while loading the model, which
	// runs one token. A shape that an earlier test of the same run compiled
	// costs 0. It is not part of t/s unless a note says otherwise.
	CompileMS *float64 `json:"compile_ms,omitempty"`
	// PeakRSS is the peak resident set size of the process since the model
	// was loaded, in bytes, from getrusage (sovra only).
	PeakRSS int64 `json:"peak_rss_bytes,omitempty"`
	// WeightBytesPerToken is the bytes of weights a decode step reads (tg
	// only; see Weights.PerToken).
	WeightBytesPerToken int64 `json:"weight_bytes_per_token,omitempty"`
	// BandwidthFraction is WeightBytesPerToken × AvgTS over the measured read
	// bandwidth for Threads threads (tg only). Above 1 the weights are served
	// from cache, not memory.
	BandwidthFraction float64 `json:"bandwidth_fraction,omitempty"`
}

// newResult makes the result of t by runner from the wall time of each
// repetition.
func newResult(runner string, t Test, samples []time.Duration) *Result {
	r := &Result{
		Runner:        runner,
		ModelFilename: t.Model,
		Backend:       t.Backend,
		Threads:       t.Threads,
		NPrompt:       t.NPrompt(),
		NGen:          t.NGen(),
		Test:          t.Name(),
		SamplesNS:     nanos(samples),
		SamplesTS:     TokensPerSecond(t.N, samples),
	}
	r.AvgNS, r.StddevNS = meanStddevNS(r.SamplesNS)
	r.AvgTS, r.StddevTS = Mean(r.SamplesTS), Stddev(r.SamplesTS)
	return r
}

// bandwidthFor returns the read bandwidth measured with threads threads.
func (r *Report) bandwidthFor(threads int) (float64, bool) {
	for _, b := range r.Bandwidth {
		if b.Threads == threads && b.BytesPerSecond > 0 {
			return b.BytesPerSecond, true
		}
	}
	return 0, false
}

// setBandwidthFraction fills res.BandwidthFraction for a tg result.
func (r *Report) setBandwidthFraction(res *Result) {
	if res.NGen == 0 || res.WeightBytesPerToken == 0 {
		return
	}
	if bw, ok := r.bandwidthFor(res.Threads); ok {
		res.BandwidthFraction = float64(res.WeightBytesPerToken) * res.AvgTS / bw
	}
}

// BusyMachine is the average number of CPUs other processes may keep busy
// during a test before the report warns that its speeds are not trustworthy.
const BusyMachine = 0.2

// busiest is the largest OtherLoad of the results.
func (r *Report) busiest() float64 {
	m := 0.0
	for _, x := range r.Results {
		m = max(m, x.OtherLoad)
	}
	return m
}

// Comparison sets one sovra result beside the peer's result for the same
// test.
type Comparison struct {
	Model   string  `json:"model_filename"`
	Test    string  `json:"test"`
	Threads int     `json:"n_threads"`
	Backend string  `json:"backends"` // sovra's backend
	SovraTS float64 `json:"sovra_avg_ts"`
	PeerTS  float64 `json:"peer_avg_ts"`
	// Ratio is SovraTS / PeerTS: above 1, sovra is faster.
	Ratio float64 `json:"ratio"`
}

// Comparisons pairs every sovra result with the peer's result of the same
// model, test and thread count.
func (r *Report) Comparisons() []Comparison {
	var cs []Comparison
	for _, s := range r.Results {
		if s.Runner != "sovra" {
			continue
		}
		for _, p := range r.Results {
			if p.Runner == "sovra" || p.ModelFilename != s.ModelFilename || p.Test != s.Test || p.Threads != s.ThreadsAsked {
				continue
			}
			c := Comparison{Model: s.ModelFilename, Test: s.Test, Threads: s.Threads, Backend: s.Backend, SovraTS: s.AvgTS, PeerTS: p.AvgTS}
			if p.AvgTS > 0 {
				c.Ratio = s.AvgTS / p.AvgTS
			}
			cs = append(cs, c)
			break
		}
	}
	return cs
}

// Write writes r in format "md", "csv" or "json".
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "md":
		return r.WriteMarkdown(w)
	case "csv":
		return r.WriteCSV(w)
	case "json":
		return r.WriteJSON(w)
	}
	return fmt.Errorf("bench: unknown output format %q (want md, csv or json)", format)
}

// WriteJSON writes r as one indented JSON object, with the comparisons.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		*Report
		Comparisons []Comparison `json:"comparisons,omitempty"`
	}{r, r.Comparisons()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// csvFields are the columns of WriteCSV, named as in the JSON.
var csvFields = []string{
	"runner", "model_filename", "model_type", "model_size", "model_n_params", "backends",
	"n_threads", "n_prompt", "n_gen", "test", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts",
	"samples_ns", "samples_ts", "threads_asked", "threads_busy", "other_load", "load_ms", "compile_ms", "peak_rss_bytes",
	"weight_bytes_per_token", "bandwidth_fraction", "read_bandwidth_bytes_per_s",
}

// WriteCSV writes one row per result under a header row; samples are
// separated by semicolons and unknown values are empty.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(csvFields)
	for _, x := range r.Results {
		i := func(v int64) string { return strconv.FormatInt(v, 10) }
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		opt := func(s string, known bool) string {
			if !known {
				return ""
			}
			return s
		}
		ns := make([]string, len(x.SamplesNS))
		for k, v := range x.SamplesNS {
			ns[k] = i(v)
		}
		ts := make([]string, len(x.SamplesTS))
		for k, v := range x.SamplesTS {
			ts[k] = f(v)
		}
		bw, hasBW := r.bandwidthFor(x.Threads)
		compileMS := ""
		if x.CompileMS != nil {
			compileMS = f(*x.CompileMS)
		}
		sovra := x.Runner == "sovra"
		cw.Write([]string{
			x.Runner, x.ModelFilename, x.ModelType, i(x.ModelSize), i(x.ModelParams), x.Backend,
			i(int64(x.Threads)), i(int64(x.NPrompt)), i(int64(x.NGen)), x.Test,
			i(x.AvgNS), i(x.StddevNS), f(x.AvgTS), f(x.StddevTS),
			strings.Join(ns, ";"), strings.Join(ts, ";"),
			opt(i(int64(x.ThreadsAsked)), sovra), opt(f(x.Busy), sovra), f(x.OtherLoad), opt(f(x.LoadMS), sovra), compileMS, opt(i(x.PeakRSS), sovra && x.PeakRSS > 0),
			opt(i(x.WeightBytesPerToken), x.NGen > 0), opt(f(x.BandwidthFraction), x.BandwidthFraction > 0),
			opt(f(bw), hasBW),
		})
	}
	cw.Flush()
	return cw.Error()
}

// compiles reports whether some result comes from a backend that compiles
// graphs.
func (r *Report) compiles() bool {
	for _, x := range r.Results {
		if x.CompileMS != nil {
			return true
		}
	}
	return false
}
