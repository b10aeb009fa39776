package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

type scored struct {
	ID    int32   `json:"id"`
	Logit float32 `json:"logit"`
}

func logitsCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("logits")
	var mf modelFlags
	mf.register(fs)
	var (
		ids, prompt string
		top         int
		asJSON      bool
	)
	fs.StringVar(&ids, "ids", "", "comma-separated token ids (used as given, no BOS added)")
	fs.StringVar(&prompt, "p", "", "prompt text instead of --ids (BOS added when the model wants it)")
	fs.IntVar(&top, "top", 10, "how many of the largest logits to print per position")
	fs.BoolVar(&asJSON, "json", false, "print JSON: {\"positions\": [{\"top\": [{\"id\", \"logit\"}]}]}")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (ids == "") == (prompt == "") {
		return errors.New("give exactly one of --ids and -p")
	}
	if top <= 0 {
		return fmt.Errorf("--top must be positive, not %d", top)
	}
	e, _, err := mf.load()
	if err != nil {
		return err
	}
	defer e.Close()
	in, err := promptIDs(e, ids, prompt)
	if err != nil {
		return err
	}
	type position struct {
		Top []scored `json:"top"`
	}
	var out struct {
		Positions []position `json:"positions"`
	}
	err = e.Logits(in, func(pos int, logits []float32) {
		out.Positions = append(out.Positions, position{topK(logits, top)})
	})
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	for i, p := range out.Positions {
		fmt.Fprintf(stdout, "%4d %6d %-12q", i, in[i], e.Tokenizer.Token(in[i]))
		for _, s := range p.Top {
			fmt.Fprintf(stdout, " %d:%.4f", s.ID, s.Logit)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// topK returns the k largest logits, largest first (lower id first on ties).
func topK(logits []float32, k int) []scored {
	all := make([]scored, len(logits))
	for i, l := range logits {
		all[i] = scored{int32(i), l}
	}
	slices.SortStableFunc(all, func(a, b scored) int {
		switch {
		case a.Logit > b.Logit:
			return -1
		case a.Logit < b.Logit:
			return 1
		}
		return 0
	})
	return all[:min(k, len(all))]
}
