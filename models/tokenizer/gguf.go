package tokenizer

import (
	"fmt"

	"sovra/models/gguf"
)

// GGUF metadata keys of the tokenizer.
const (
	keyModel          = "tokenizer.ggml.model"
	keyPre            = "tokenizer.ggml.pre"
	keyTokens         = "tokenizer.ggml.tokens"
	keyScores         = "tokenizer.ggml.scores"
	keyTypes          = "tokenizer.ggml.token_type"
	keyMerges         = "tokenizer.ggml.merges"
	keyBOS            = "tokenizer.ggml.bos_token_id"
	keyEOS            = "tokenizer.ggml.eos_token_id"
	keyUNK            = "tokenizer.ggml.unknown_token_id"
	keyPAD            = "tokenizer.ggml.padding_token_id"
	keyEOT            = "tokenizer.ggml.eot_token_id"
	keyEOM            = "tokenizer.ggml.eom_token_id"
	keyAddBOS         = "tokenizer.ggml.add_bos_token"
	keyAddEOS         = "tokenizer.ggml.add_eos_token"
	keyAddSpacePrefix = "tokenizer.ggml.add_space_prefix"
)

// Pre-tokenizers for which llama.cpp adds BOS by default.
var addBOSPre = map[string]bool{"llama3": true, "llama-v3": true, "llama-bpe": true, "falcon3": true, "pixtral": true}

// FromGGUF builds the Tokenizer described by f's tokenizer.ggml.* metadata.
// Absent keys take llama.cpp's defaults: for "llama" BOS 1, EOS 2, UNK 0, add
// BOS and a space prefix; for "gpt2" BOS and EOS 11, and BOS added only for
// the Llama 3 pre-tokenizers. A special token id outside the vocabulary is
// ignored, as llama.cpp does.
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	var v Vocab
	var ok bool
	if v.Model, ok = f.String(keyModel); !ok {
		return nil, fmt.Errorf("tokenizer: %s is missing or not a string", keyModel)
	}
	if _, present := f.Get(keyPre); present {
		if v.Pre, ok = f.String(keyPre); !ok {
			return nil, fmt.Errorf("tokenizer: %s is not a string", keyPre)
		}
	}
	if v.Tokens, ok = f.Strings(keyTokens); !ok {
		return nil, fmt.Errorf("tokenizer: %s is missing or not an array of strings", keyTokens)
	}
	if _, present := f.Get(keyScores); present {
		if v.Scores, ok = f.Float32s(keyScores); !ok {
			return nil, fmt.Errorf("tokenizer: %s is not a numeric array", keyScores)
		}
	}
	if _, present := f.Get(keyTypes); present {
		if v.Types, ok = f.Int32s(keyTypes); !ok {
			return nil, fmt.Errorf("tokenizer: %s is not an int32 array", keyTypes)
		}
	}
	if v.Model == "gpt2" {
		if v.Merges, ok = f.Strings(keyMerges); !ok {
			return nil, fmt.Errorf("tokenizer: %s is missing or not an array of strings", keyMerges)
		}
	}

	v.BOS, v.EOS, v.UNK, v.PAD, v.EOT, v.EOM = -1, -1, -1, -1, -1, -1
	switch v.Model {
	case "llama":
		v.BOS, v.EOS, v.UNK = 1, 2, 0
		v.AddBOS, v.AddSpacePrefix = true, true
	case "gpt2":
		v.BOS, v.EOS = 11, 11
		v.AddBOS = addBOSPre[v.Pre]
	}
	n := len(v.Tokens)
	for _, sp := range []struct {
		key string
		id  *int32
	}{{keyBOS, &v.BOS}, {keyEOS, &v.EOS}, {keyUNK, &v.UNK}, {keyPAD, &v.PAD}, {keyEOT, &v.EOT}, {keyEOM, &v.EOM}} {
		if int(*sp.id) >= n {
			*sp.id = -1
		}
		if id, ok := f.Uint(sp.key); ok && id < uint64(n) {
			*sp.id = int32(id)
		}
	}
	for _, b := range []struct {
		key string
		val *bool
	}{{keyAddBOS, &v.AddBOS}, {keyAddEOS, &v.AddEOS}, {keyAddSpacePrefix, &v.AddSpacePrefix}} {
		if x, ok := f.Bool(b.key); ok {
			*b.val = x
		}
	}
	return New(v)
}
