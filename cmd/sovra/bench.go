package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"sovra/bench"
)

func benchCmd(args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "serve" {
		return benchServeCmd(args[1:], stdout)
	}
	fs := newFlagSet("bench")
	models := &listFlag{}
	backends := &listFlag{vals: []string{"cpu"}}
	prompts := &listFlag{vals: []string{"512"}}
	gens := &listFlag{vals: []string{"128"}}
	threads := &listFlag{vals: []string{strconv.Itoa(runtime.NumCPU())}}
	var (
		reps       int
		format     string
		vs         string
		cpuprofile string
		plot       string
		remeasure  bool
		progress   bool
		seed       uint64
	)
	fs.Var(models, "m", "model file(s) (GGUF), comma-separated or repeated")
	fs.Var(models, "model", "same as -m")
	fs.Var(prompts, "p", "prompt sizes of the pp tests, comma-separated (0: none)")
	fs.Var(prompts, "n-prompt", "same as -p")
	fs.Var(gens, "n", "token counts of the tg tests, comma-separated (0: none)")
	fs.Var(gens, "n-gen", "same as -n")
	fs.Var(threads, "t", "thread counts, comma-separated")
	fs.Var(threads, "threads", "same as -t")
	fs.Var(backends, "backend", "backends, comma-separated")
	fs.IntVar(&reps, "r", 5, "timed repetitions of each test, after one warm-up")
	fs.IntVar(&reps, "repetitions", 5, "same as -r")
	fs.StringVar(&format, "o", "md", "output format: md, csv or json")
	fs.StringVar(&format, "output", "md", "same as -o")
	fs.StringVar(&vs, "vs", "", `run the same tests with a peer, interleaved: "llama.cpp" (llama-bench, built on first use)`)
	fs.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the timed regions to this file and print its top functions")
	fs.StringVar(&plot, "plot", "", "write an SVG bar chart of tokens/s to this file")
	fs.BoolVar(&remeasure, "bandwidth", false, "measure the memory read bandwidth again instead of using the cached value")
	fs.BoolVar(&progress, "progress", false, "print progress to stderr")
	fs.Uint64Var(&seed, "seed", 1, "seed of the random token ids")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if format != "md" && format != "csv" && format != "json" {
		return fmt.Errorf("-o %q: want md, csv or json", format)
	}
	if vs != "" && vs != "llama.cpp" {
		return fmt.Errorf("--vs %q: the only peer is llama.cpp", vs)
	}
	plan := bench.Plan{Models: models.vals, Backends: backends.vals, Reps: reps}
	var err error
	for _, l := range []struct {
		name string
		f    *listFlag
		dst  *[]int
	}{{"-p", prompts, &plan.Prompts}, {"-n", gens, &plan.Gens}, {"-t", threads, &plan.Threads}} {
		if *l.dst, err = l.f.ints(l.name); err != nil {
			return err
		}
	}
	if slices.Contains(plan.Threads, 0) {
		return fmt.Errorf("-t 0: give thread counts explicitly")
	}
	if err := plan.Check(); err != nil {
		return err
	}
	for _, m := range plan.Models {
		if _, err := os.Stat(m); err != nil {
			return err
		}
	}
	var logw io.Writer
	if progress {
		logw = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	r := &bench.Report{Machine: bench.ReadMachine(), Reps: reps}
	seen := map[int]bool{}
	for _, t := range plan.Threads {
		if seen[t] {
			continue
		}
		seen[t] = true
		bw, err := bench.MachineBandwidth(r.Machine.CPU, t, bench.BandwidthOptions{Force: remeasure})
		if err != nil {
			fmt.Fprintf(os.Stderr, "sovra bench: read bandwidth: %s\n", oneLine(err))
		}
		if bw.BytesPerSecond > 0 {
			r.Bandwidth = append(r.Bandwidth, bw)
		}
	}
	opts := bench.Options{Seed: seed, Log: logw}
	if vs != "" {
		peer, err := bench.FindLlamaCpp(ctx, os.Stderr)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.PeerError = oneLine(err)
			fmt.Fprintf(os.Stderr, "sovra bench: not comparing with llama.cpp: %s\n", oneLine(err))
		} else {
			opts.Peer = peer
			info := peer.Info()
			r.Peer = &info
		}
	}
	if cpuprofile != "" {
		opts.Profiler = &bench.Profiler{}
	}
	if format == "md" {
		if err := r.WriteMarkdownHeader(stdout); err != nil {
			return err
		}
		opts.OnResult = func(res *bench.Result) { r.WriteMarkdownRow(stdout, res) }
	}
	runErr := bench.Run(ctx, plan, r, opts)
	if format == "md" {
		if err := r.WriteMarkdownFooter(stdout); err != nil {
			return err
		}
	} else if len(r.Results) > 0 || runErr == nil {
		if err := r.Write(stdout, format); err != nil {
			return err
		}
	}
	if runErr != nil {
		return runErr
	}
	if cpuprofile != "" {
		top := stdout
		if format != "md" {
			top = os.Stderr
		}
		if err := writeProfile(opts.Profiler, cpuprofile, top); err != nil {
			return err
		}
	}
	if plot != "" {
		var b bytes.Buffer
		if err := bench.WritePlot(&b, r); err != nil {
			return err
		}
		if err := os.WriteFile(plot, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeProfile writes the merged profile of the timed regions to path and
// its top functions to w.
func writeProfile(p *bench.Profiler, path string, w io.Writer) error {
	prof, err := p.Profile()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := prof.Write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n(profile written to %s; go tool pprof %s)\n\n", path, path)
	return bench.WriteTop(w, prof, 15)
}

// listFlag is a comma-separated list flag that may also be repeated; the
// first use replaces the default.
type listFlag struct {
	vals []string
	set  bool
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.vals, ",")
}

func (l *listFlag) Set(s string) error {
	if !l.set {
		l.vals, l.set = nil, true
	}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			l.vals = append(l.vals, v)
		}
	}
	return nil
}

// ints parses the list as non-negative integers.
func (l *listFlag) ints(name string) ([]int, error) {
	out := make([]int, len(l.vals))
	for i, v := range l.vals {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: bad number %q", name, v)
		}
		out[i] = n
	}
	return out, nil
}
