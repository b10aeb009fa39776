// Command sovra runs open-weight language models from GGUF files.
//
//	sovra run       generate text (the default model is embedded)
//	sovra chat      chat in the terminal, with the model's chat template
//	sovra serve     serve an OpenAI-compatible HTTP API
//	sovra logits    print the top logits of a teacher-forced pass
//	sovra tokenize  print the token ids of a text
//	sovra inspect   print a model file's metadata and tensors
//
// Run `sovra <command> -h` for a command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	_ "sovra/backends/cpu"
	_ "sovra/backends/gomlx" // GoMLX: its pure-Go engine; XLA with the build tag xla
	"sovra/models/gguf"
	"sovra/runtime/engine"
	"sovra/seeds"

	_ "sovra/models/all"
)

var commands = []struct {
	name, help string
	run        func(args []string, stdout io.Writer) error
}{
	{"run", "generate text from a prompt", runCmd},
	{"chat", "chat with a model in the terminal, with its chat template", chatCmd},
	{"serve", "serve an OpenAI-compatible HTTP API with continuous batching", serveCmd},
	{"logits", "print the largest logits at each position of a teacher-forced pass", logitsCmd},
	{"tokenize", "print the token ids of a text", tokenizeCmd},
	{"inspect", "print a model's metadata, tokenizer and tensors", inspectCmd},
	{"synth", "write a model with random weights at a real model's shape", synthCmd},
	{"bench", "measure prompt and generation speed like llama-bench (optionally beside it)", benchCmd},
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage(os.Stderr)
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	for _, c := range commands {
		if c.name == os.Args[1] {
			err := c.run(os.Args[2:], os.Stdout)
			if errors.Is(err, flag.ErrHelp) {
				return
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "sovra "+c.name+": "+oneLine(err))
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintf(os.Stderr, "sovra: unknown command %q\n", os.Args[1])
	usage(os.Stderr)
	os.Exit(2)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sovra <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.help)
	}
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// modelFlags are the flags every command that loads a model shares.
type modelFlags struct {
	path      string
	backend   string
	threads   int
	ctx       int
	batch     int
	cacheType string
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.path, "m", "", "model file (GGUF); default: the embedded seed model")
	fs.StringVar(&m.path, "model", "", "same as -m")
	fs.StringVar(&m.backend, "backend", "cpu", "backend to run on")
	fs.IntVar(&m.threads, "t", 0, "threads (0: the backend's default)")
	fs.IntVar(&m.threads, "threads", 0, "same as -t")
	fs.IntVar(&m.ctx, "c", 0, "context size in tokens (0: 4096, or the model's if smaller)")
	fs.IntVar(&m.ctx, "ctx", 0, "same as -c")
	fs.IntVar(&m.batch, "b", 512, "prompt tokens per forward step")
	fs.IntVar(&m.batch, "batch", 512, "same as -b")
	fs.StringVar(&m.cacheType, "cache-type", "f16", "KV cache element type: f16 or f32")
}

// open opens the model file, or the embedded seed model without -m.
func (m *modelFlags) open() (*gguf.File, string, error) {
	if m.path == "" {
		f, err := gguf.Parse(seeds.Default)
		return f, seeds.DefaultName, err
	}
	f, err := gguf.Open(m.path)
	return f, m.path, err
}

// load opens the model and binds it to the backend.
func (m *modelFlags) load() (*engine.Engine, string, error) {
	f, name, err := m.open()
	if err != nil {
		return nil, "", err
	}
	e, err := engine.LoadFile(f, engine.Options{
		Backend:   m.backend,
		Threads:   m.threads,
		Context:   m.ctx,
		Batch:     m.batch,
		CacheType: m.cacheType,
	})
	return e, name, err
}

// promptIDs returns the ids given with --ids (checked against the vocabulary,
// used as given) or else the tokenized prompt.
func promptIDs(e *engine.Engine, ids, prompt string) ([]int32, error) {
	if ids == "" {
		return e.Tokenize(prompt), nil
	}
	in, err := parseIDs(ids)
	if err != nil {
		return nil, err
	}
	return in, checkIDs(in, e.Model.Config().Vocab)
}

// parseIDs parses a comma-separated list of token ids.
func parseIDs(s string) ([]int32, error) {
	var ids []int32
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseInt(f, 10, 32)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("bad token id %q in --ids", f)
		}
		ids = append(ids, int32(v))
	}
	if len(ids) == 0 {
		return nil, errors.New("--ids is empty")
	}
	return ids, nil
}

// checkIDs rejects ids outside the vocabulary.
func checkIDs(ids []int32, vocab int) error {
	for _, id := range ids {
		if int(id) >= vocab {
			return fmt.Errorf("token id %d is outside the vocabulary of %d", id, vocab)
		}
	}
	return nil
}

// newFlagSet returns a flag set whose errors come back to the caller.
func newFlagSet(name string) *flag.FlagSet {
	return flag.NewFlagSet("sovra "+name, flag.ContinueOnError)
}
