package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"sovra/models/tokenizer"
)

func tokenizeCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("tokenize")
	var (
		model, file  string
		asJSON, bos  bool
		parseSpecial bool
	)
	fs.StringVar(&model, "m", "", "model file (GGUF); default: the embedded seed model")
	fs.StringVar(&model, "model", "", "same as -m")
	fs.StringVar(&file, "file", "", "tokenize the exact bytes of this file")
	fs.BoolVar(&asJSON, "json", false, "print {\"ids\": [...]}")
	fs.BoolVar(&bos, "bos", false, "add BOS/EOS as the model does for prompts")
	fs.BoolVar(&parseSpecial, "special", false, "map the text of special tokens to their ids")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var text string
	switch {
	case file != "" && fs.NArg() > 0:
		return errors.New("give the text either with --file or as arguments, not both")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		text = string(b)
	default:
		text = strings.Join(fs.Args(), " ")
	}
	mf := modelFlags{path: model}
	f, _, err := mf.open()
	if err != nil {
		return err
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return err
	}
	ids := tok.Encode(text, bos, parseSpecial)
	if asJSON {
		if ids == nil {
			ids = []int32{}
		}
		return json.NewEncoder(stdout).Encode(struct {
			IDs []int32 `json:"ids"`
		}{ids})
	}
	for _, id := range ids {
		fmt.Fprintf(stdout, "%6d %q\n", id, tok.Token(id))
	}
	return nil
}
