package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"time"

	"sovra/runtime/engine"
	"sovra/runtime/sample"
)

func runCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("run")
	var mf modelFlags
	mf.register(fs)
	var sf samplingFlags
	sf.register(fs)
	var (
		prompt    string
		ids       string
		n         int
		ignoreEOS bool
		asJSON    bool
	)
	fs.StringVar(&prompt, "p", "Once upon a time", "prompt")
	fs.StringVar(&prompt, "prompt", "Once upon a time", "same as -p")
	fs.StringVar(&ids, "ids", "", "comma-separated token ids to feed instead of a prompt (used as given, no BOS added)")
	fs.IntVar(&n, "n", 64, "tokens to generate (-1: until end of generation or a full context)")
	fs.IntVar(&n, "n-predict", 64, "same as -n")
	fs.BoolVar(&ignoreEOS, "ignore-eos", false, "keep generating past end-of-generation tokens")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object instead of streaming text")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	p := sf.params()

	e, name, err := mf.load()
	if err != nil {
		return err
	}
	defer e.Close()
	in, err := promptIDs(e, ids, prompt)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	emit := func(id int32, text string) error {
		_, err := io.WriteString(stdout, text)
		return err
	}
	if asJSON {
		emit = nil
	} else if ids == "" {
		fmt.Fprint(stdout, prompt)
	}
	res, err := e.Generate(ctx, engine.Request{Prompt: in, MaxTokens: n, Sample: p, IgnoreEOS: ignoreEOS}, emit)
	if err != nil {
		return err
	}
	t := timingsOf(e, res)
	if asJSON {
		out := struct {
			Model        string  `json:"model"`
			Backend      string  `json:"backend"`
			PromptTokens []int32 `json:"prompt_tokens"`
			Tokens       []int32 `json:"tokens"`
			Text         string  `json:"text"`
			Finish       string  `json:"finish_reason"`
			Timings      timings `json:"timings"`
		}{name, e.Backend.Name(), res.PromptTokens, res.Tokens, e.Tokenizer.Decode(res.Tokens), res.Finish, t}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(os.Stderr, "\nload %.0f ms | prompt %d tokens, %.1f ms, %.2f tokens/s | generation %d tokens, %.1f ms, %.2f tokens/s (%s)\n",
		t.LoadMS, len(res.PromptTokens), t.PromptMS, t.PromptTPS, len(res.Tokens), t.GenMS, t.GenTPS, res.Finish)
	return nil
}

type timings struct {
	LoadMS    float64 `json:"load_ms"`
	PromptMS  float64 `json:"prompt_ms"`
	PromptTPS float64 `json:"prompt_tokens_per_s"`
	GenMS     float64 `json:"gen_ms"`
	GenTPS    float64 `json:"gen_tokens_per_s"`
}

// timingsOf reports speeds as llama.cpp does: the prompt rate over the
// prefill, the generation rate over the decode steps (every generated token
// but the first, which comes from the prefill's logits).
func timingsOf(e *engine.Engine, r *engine.Result) timings {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rate := func(n int, d time.Duration) float64 {
		if n <= 0 || d <= 0 {
			return 0
		}
		return float64(n) / d.Seconds()
	}
	return timings{
		LoadMS:    ms(e.LoadTime),
		PromptMS:  ms(r.PromptTime),
		PromptTPS: rate(len(r.PromptTokens), r.PromptTime),
		GenMS:     ms(r.GenTime),
		GenTPS:    rate(r.Decoded, r.GenTime),
	}
}

// samplingFlags are the sampling flags of run and chat, as llama.cpp names
// them.
type samplingFlags struct {
	p    sample.Params
	seed int64
}

func (sf *samplingFlags) register(fs *flag.FlagSet) {
	d := sample.DefaultParams()
	sf.p = d
	fs.Var((*f32)(&sf.p.Temperature), "temp", "temperature (0: greedy)")
	fs.IntVar(&sf.p.TopK, "top-k", d.TopK, "keep the k most likely tokens (0: off)")
	fs.Var((*f32)(&sf.p.TopP), "top-p", "keep the most likely tokens up to this probability mass (1: off)")
	fs.Var((*f32)(&sf.p.MinP), "min-p", "drop tokens less likely than this times the most likely (0: off)")
	fs.Var((*f32)(&sf.p.RepeatPenalty), "repeat-penalty", "penalty for repeated tokens (1: off)")
	fs.IntVar(&sf.p.RepeatLastN, "repeat-last-n", d.RepeatLastN, "how many recent tokens the penalty looks at (-1: all)")
	fs.Int64Var(&sf.seed, "seed", -1, "random seed (-1: from the clock)")
}

// params returns the parsed parameters, seeded from the clock unless -seed
// was given.
func (sf *samplingFlags) params() sample.Params {
	p := sf.p
	if sf.seed < 0 {
		p.Seed = uint64(time.Now().UnixNano())
	} else {
		p.Seed = uint64(sf.seed)
	}
	return p
}

// f32 is a float32 flag.
type f32 float32

func (f *f32) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 32) }

func (f *f32) Set(s string) error {
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		return err
	}
	*f = f32(v)
	return nil
}
