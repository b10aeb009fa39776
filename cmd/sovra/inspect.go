package main

import (
	"fmt"
	"io"
	"strings"

	"sovra/models"
	"sovra/models/tokenizer"
)

func inspectCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("inspect")
	var mf modelFlags
	fs.StringVar(&mf.path, "m", "", "model file (GGUF); default: the embedded seed model")
	fs.StringVar(&mf.path, "model", "", "same as -m")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, name, err := mf.open()
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(stdout, "file: %s (GGUF v%d, %d metadata keys, %d tensors)\n", name, f.Version, len(f.KVs), len(f.Tensors))

	if cfg, err := models.ReadConfig(f); err != nil {
		fmt.Fprintf(stdout, "\nhyperparameters: %v\n", err)
	} else {
		fmt.Fprintf(stdout, "\narchitecture: %s (%s)\n", cfg.Arch, cfg.Name)
		fmt.Fprintf(stdout, "  context %d, width %d, layers %d, ffn %d, heads %d, kv heads %d, head dim %d, vocab %d\n",
			cfg.ContextLength, cfg.Dim, cfg.Layers, cfg.FFN, cfg.Heads, cfg.KVHeads, cfg.HeadDim, cfg.Vocab)
		fmt.Fprintf(stdout, "  rms eps %g, rope base %g, rope dims %d, rope scale %g\n", cfg.NormEps, cfg.RopeBase, cfg.RopeDims, cfg.RopeScale)
	}

	if tok, err := tokenizer.FromGGUF(f); err != nil {
		fmt.Fprintf(stdout, "\ntokenizer: %v\n", err)
	} else {
		fmt.Fprintf(stdout, "\ntokenizer: %s, %d tokens, BOS %d (added: %v), EOS %d\n", tok.Model(), tok.VocabSize(), tok.BOS(), tok.AddBOS(), tok.EOS())
	}

	fmt.Fprintln(stdout, "\nmetadata:")
	for _, kv := range f.KVs {
		fmt.Fprintf(stdout, "  %-40s %s\n", kv.Key, kv.Value)
	}

	fmt.Fprintf(stdout, "\n%-32s %-6s %-20s %12s\n", "tensor", "type", "shape", "bytes")
	var total uint64
	for i := range f.Tensors {
		t := &f.Tensors[i]
		dims := make([]string, len(t.Dims))
		for j, d := range t.Dims {
			dims[j] = fmt.Sprint(d)
		}
		fmt.Fprintf(stdout, "%-32s %-6s %-20s %12d\n", t.Name, t.Type, "["+strings.Join(dims, ", ")+"]", t.Size)
		total += t.Size
	}
	fmt.Fprintf(stdout, "%-32s %-6s %-20s %12d\n", "total", "", "", total)
	return nil
}
