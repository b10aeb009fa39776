package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sovra/bench/synth"
	"sovra/kernels/quant"
	"sovra/models/gguf"
	"sovra/seeds"
)

func synthCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("synth")
	var (
		shapeName, typ, out, donorPath string
		seed                           uint64
		threads                        int
		list                           bool
		sizes                          = map[string]*int{}
	)
	fs.StringVar(&shapeName, "shape", "", "published shape to start from (see --list); default: a tiny shape")
	fs.StringVar(&typ, "type", "q4_0", "weight type: "+strings.Join(synth.Types(), ", "))
	fs.StringVar(&out, "o", "", "output file (GGUF)")
	fs.Uint64Var(&seed, "seed", 1, "random seed: the same seed gives the same values in every type")
	fs.StringVar(&donorPath, "tokenizer-from", "", "GGUF file whose tokenizer.* keys to copy; default: the embedded seed model (32000 tokens)")
	fs.IntVar(&threads, "t", 0, "threads (0: one per CPU)")
	fs.BoolVar(&list, "list", false, "print the known shapes and exit")
	for _, f := range []struct{ name, help string }{
		{"dim", "embedding width"},
		{"ffn", "feed-forward width"},
		{"layers", "number of layers"},
		{"heads", "attention heads"},
		{"kv-heads", "key/value heads"},
		{"vocab", "vocabulary size (must match the tokenizer donor's)"},
	} {
		sizes[f.name] = fs.Int(f.name, 0, "override the shape's "+f.help)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if list {
		printShapes(stdout)
		return nil
	}

	shape := synth.Tiny
	if shapeName != "" {
		s, ok := synth.Shapes[shapeName]
		if !ok {
			return fmt.Errorf("unknown shape %q (known: %s; see --list)", shapeName, strings.Join(synth.ShapeNames(), ", "))
		}
		shape = s
	}
	overridden := false
	for name, field := range map[string]*int{
		"dim": &shape.Dim, "ffn": &shape.FFN, "layers": &shape.Layers,
		"heads": &shape.Heads, "kv-heads": &shape.KVHeads, "vocab": &shape.Vocab,
	} {
		if v := *sizes[name]; v != 0 {
			if v < 0 {
				return fmt.Errorf("--%s %d: want a positive size", name, v)
			}
			*field = v
			overridden = true
		}
	}
	if overridden {
		shape.Name += "-custom"
	}
	if _, err := synth.FileType(typ); err != nil {
		return fmt.Errorf("unknown type %q (want one of %s)", typ, strings.Join(synth.Types(), ", "))
	}
	if out == "" {
		return errors.New("give the output file with -o")
	}

	var donor *gguf.File
	donorName := seeds.DefaultName + " (embedded)"
	var err error
	if donorPath == "" {
		donor, err = gguf.Parse(seeds.Default)
	} else {
		donor, err = gguf.Open(donorPath)
		donorName = donorPath
	}
	if err != nil {
		return err
	}
	defer donor.Close()

	o := synth.Options{Shape: shape, Type: typ, Seed: seed, Tokenizer: donor, Threads: threads}
	plan, err := synth.Plan(o)
	if errors.Is(err, synth.ErrVocabMismatch) {
		tokens, _ := donor.Strings("tokenizer.ggml.tokens")
		return fmt.Errorf("the tokenizer of %s has %d tokens but shape %s has a vocabulary of %d: pass --tokenizer-from a GGUF file with %d tokens, or --vocab %d",
			donorName, len(tokens), shape.Name, shape.Vocab, shape.Vocab, len(tokens))
	}
	if err != nil {
		return err
	}

	start := time.Now()
	size, err := writeAtomically(out, func(w io.Writer) error { return synth.Write(w, o) })
	if err != nil {
		return err
	}
	took := time.Since(start)

	counts := map[quant.Type]int{}
	for _, t := range plan {
		counts[t.Type]++
	}
	var mix []string
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		mix = append(mix, fmt.Sprintf("%v %d", t, counts[t]))
	}
	fmt.Fprintf(stdout, "wrote %s: shape %s, type %s, seed %d, tokenizer from %s\n", out, shape.Name, typ, seed, donorName)
	fmt.Fprintf(stdout, "  %d tensors (%s)\n", len(plan), strings.Join(mix, ", "))
	fmt.Fprintf(stdout, "  %s parameters, %s, %.1f s\n", humanCount(shape.Params()), humanBytes(size), took.Seconds())
	return nil
}

// writeAtomically writes a file through write into a temporary file next to
// path and renames it to path on success, so that a failed or interrupted
// run leaves no partial model behind. It returns the file's size.
func writeAtomically(path string, write func(io.Writer) error) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return 0, err
	}
	fail := func(err error) (int64, error) {
		f.Close()
		os.Remove(f.Name())
		return 0, err
	}
	if err := write(f); err != nil {
		return fail(err)
	}
	info, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return 0, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return 0, err
	}
	return info.Size(), nil
}

func printShapes(w io.Writer) {
	fmt.Fprintf(w, "%-16s %6s %6s %6s %5s %8s %7s %7s %9s %-5s %-11s %s\n",
		"shape", "dim", "ffn", "layers", "heads", "kv heads", "vocab", "context", "rope base", "tied", "rope scale", "params")
	row := func(s synth.Shape) {
		scale := "-"
		if r := s.Llama3Rope; r != nil {
			scale = fmt.Sprintf("llama3 x%g", r.Factor)
		}
		fmt.Fprintf(w, "%-16s %6d %6d %6d %5d %8d %7d %7d %9g %-5v %-11s %s\n",
			s.Name, s.Dim, s.FFN, s.Layers, s.Heads, s.KVHeads, s.Vocab, s.Context, s.RopeBase, s.Tied, scale, humanCount(s.Params()))
	}
	for _, name := range synth.ShapeNames() {
		row(synth.Shapes[name])
	}
	row(synth.Tiny)
	fmt.Fprintln(w, "\nwithout --shape, synth starts from tiny; --dim, --ffn, --layers, --heads, --kv-heads and --vocab override sizes")
}

func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f B", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2f M", float64(n)/1e6)
	}
	return fmt.Sprint(n)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
