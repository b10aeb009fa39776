// Package tokenizer turns text into token ids and back for GGUF language
// models, producing exactly the ids llama.cpp produces for the same file.
//
// Two tokenizer families are supported, chosen by tokenizer.ggml.model:
//
//   - "llama": SentencePiece (SPM) as llama.cpp runs it: spaces become U+2581,
//     a dummy-prefix space is added, symbol pairs merge by highest score and
//     characters outside the vocabulary fall back to <0xNN> byte tokens.
//   - "gpt2": byte-level BPE: the text is split into words by a
//     pre-tokenizer (tokenizer.ggml.pre: "llama-bpe" for Llama 3, "gpt-2",
//     "default"), each byte is mapped to a printable character and words
//     merge by merge rank.
//
// Special tokens (control tokens such as <|eot_id|>) are recognised in the
// text only when Encode is asked to parse them; user-defined tokens are
// always split out first, as llama.cpp does. A Tokenizer is safe for
// concurrent use.
package tokenizer

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Token types, as stored in tokenizer.ggml.token_type.
const (
	TypeUndefined   int32 = 0
	TypeNormal      int32 = 1
	TypeUnknown     int32 = 2
	TypeControl     int32 = 3
	TypeUserDefined int32 = 4
	TypeUnused      int32 = 5
	TypeByte        int32 = 6
)

// Vocab is a tokenizer's description as GGUF metadata holds it
// (tokenizer.ggml.*). FromGGUF fills it in from a file, applying llama.cpp's
// defaults for absent keys.
type Vocab struct {
	Model  string    // tokenizer.ggml.model: "llama" (SentencePiece) or "gpt2" (byte-level BPE)
	Pre    string    // tokenizer.ggml.pre, e.g. "llama-bpe", "default"; BPE only
	Tokens []string  // tokenizer.ggml.tokens; an id is an index
	Scores []float32 // tokenizer.ggml.scores; nil means all zero
	Types  []int32   // tokenizer.ggml.token_type (TypeNormal...); nil means all normal
	Merges []string  // tokenizer.ggml.merges, "left right" in rank order; BPE only

	// Special token ids, -1 when absent.
	BOS, EOS, UNK, PAD, EOT, EOM int32

	AddBOS         bool // Encode(addSpecial) prepends BOS
	AddEOS         bool // Encode(addSpecial) appends EOS
	AddSpacePrefix bool // SPM: prefix text with a space; Decode strips it again
}

// Token attributes, the bits of llama.cpp's llama_token_attr.
type attr uint16

const (
	attrUnknown attr = 1 << iota
	attrUnused
	attrNormal
	attrControl
	attrUserDefined
	attrByte
)

func typeAttr(t int32) attr {
	switch t {
	case TypeNormal:
		return attrNormal
	case TypeUnknown:
		return attrUnknown
	case TypeControl:
		return attrControl
	case TypeUserDefined:
		return attrUserDefined
	case TypeUnused:
		return attrUnused
	case TypeByte:
		return attrByte
	}
	return 0
}

// Tokenizer encodes text into token ids and decodes ids into text.
type Tokenizer struct {
	model  string
	spm    bool
	tokens []string
	scores []float32
	attrs  []attr
	ids    map[string]int32

	bos, eos, eot, eom       int32
	addBOS, addEOS, addSpace bool
	eog                      map[int32]bool

	// pieces holds each token's text as Decode renders it, pieceOff[id] to
	// pieceOff[id+1].
	pieces   []byte
	pieceOff []uint32

	// Tokens split out of the text before tokenizing, longest first: all
	// control, user-defined and unknown tokens (parseSpecial), or only the
	// user-defined ones.
	specialAll, specialUser []int32

	spmState
	bpeState

	cache   wordCache
	scratch sync.Pool // *scratch
}

// New builds a Tokenizer from v after checking it: known model and
// pre-tokenizer, array lengths, special ids in range, no duplicate tokens,
// well-formed merges, byte tokens for SentencePiece's byte fallback.
func New(v Vocab) (*Tokenizer, error) {
	n := len(v.Tokens)
	if n == 0 {
		return nil, errors.New("tokenizer: empty vocabulary")
	}
	if n >= 1<<31-1 {
		return nil, fmt.Errorf("tokenizer: vocabulary of %d tokens is too large", n)
	}
	if v.Scores != nil && len(v.Scores) < n {
		return nil, fmt.Errorf("tokenizer: %d scores for %d tokens", len(v.Scores), n)
	}
	if v.Types != nil && len(v.Types) < n {
		return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(v.Types), n)
	}
	t := &Tokenizer{
		model:    v.Model,
		tokens:   make([]string, n),
		scores:   make([]float32, n),
		attrs:    make([]attr, n),
		ids:      make(map[string]int32, n),
		bos:      v.BOS,
		eos:      v.EOS,
		eot:      v.EOT,
		eom:      v.EOM,
		addBOS:   v.AddBOS,
		addEOS:   v.AddEOS,
		addSpace: v.AddSpacePrefix,
	}
	switch v.Model {
	case "llama":
		t.spm = true
	case "gpt2":
	default:
		return nil, fmt.Errorf("tokenizer: unsupported tokenizer model %q", v.Model)
	}
	for i, s := range v.Tokens {
		if s == "" {
			s = fmt.Sprintf("[EMPTY_%d]", i) // as llama.cpp names empty tokens
		}
		if j, dup := t.ids[s]; dup {
			return nil, fmt.Errorf("tokenizer: duplicate token %q has ids %d and %d", s, j, i)
		}
		t.ids[s] = int32(i)
		t.tokens[i] = s
		t.attrs[i] = attrNormal
		if v.Types != nil {
			t.attrs[i] = typeAttr(v.Types[i])
		}
	}
	if v.Scores != nil {
		copy(t.scores, v.Scores)
	}
	for _, sp := range []struct {
		name string
		id   int32
	}{{"BOS", v.BOS}, {"EOS", v.EOS}, {"UNK", v.UNK}, {"PAD", v.PAD}, {"EOT", v.EOT}, {"EOM", v.EOM}} {
		if sp.id < -1 || int(sp.id) >= n {
			return nil, fmt.Errorf("tokenizer: %s id %d is out of range [0, %d)", sp.name, sp.id, n)
		}
	}
	if v.AddBOS && v.BOS < 0 {
		return nil, errors.New("tokenizer: AddBOS is set but there is no BOS token")
	}
	if v.AddEOS && v.EOS < 0 {
		return nil, errors.New("tokenizer: AddEOS is set but there is no EOS token")
	}
	t.findSpecialTokens()

	var err error
	if t.spm {
		err = t.initSPM()
	} else {
		err = t.initBPE(v.Pre, v.Merges)
	}
	if err != nil {
		return nil, err
	}
	t.buildPieces()
	return t, nil
}

// Texts by which llama.cpp recognises special tokens that the metadata does
// not name. Each such token becomes a control token; the end-of-generation
// ones (and FIM pad/repo/separator) stop generation.
var (
	eotTexts    = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}
	eomTexts    = []string{"<|eom_id|>"}
	fimPreTexts = []string{"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"}
	fimSufTexts = []string{"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"}
	fimMidTexts = []string{"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"}
	fimPadTexts = []string{"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}
	fimRepTexts = []string{"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}
	fimSepTexts = []string{"<|file_sep|>"}
	eogTexts    = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~["}
)

// findSpecialTokens mirrors llama.cpp's detection of special tokens by their
// text, builds the end-of-generation set and the lists of tokens to split
// out of the text.
func (t *Tokenizer) findSpecialTokens() {
	// find returns the lowest id among texts (llama.cpp takes whichever its
	// hash map yields first) and marks it a control token.
	find := func(texts []string) int32 {
		best := int32(-1)
		for _, s := range texts {
			if id, ok := t.ids[s]; ok && (best < 0 || id < best) {
				best = id
			}
		}
		if best >= 0 {
			t.attrs[best] |= attrControl
		}
		return best
	}
	if t.eot < 0 {
		t.eot = find(eotTexts)
	}
	if t.eom < 0 {
		t.eom = find(eomTexts)
	}
	find(fimPreTexts)
	find(fimSufTexts)
	find(fimMidTexts)
	t.eog = make(map[int32]bool)
	for _, id := range []int32{find(fimPadTexts), find(fimRepTexts), find(fimSepTexts), t.eos, t.eot, t.eom} {
		if id >= 0 {
			t.eog[id] = true
		}
	}
	for _, s := range eogTexts {
		if id, ok := t.ids[s]; ok {
			t.eog[id] = true
			t.attrs[id] |= attrControl
		}
	}

	for id, a := range t.attrs {
		if a&(attrControl|attrUserDefined|attrUnknown) != 0 {
			t.specialAll = append(t.specialAll, int32(id))
			if a&(attrControl|attrUnknown) == 0 {
				t.specialUser = append(t.specialUser, int32(id))
			}
		}
	}
	byLength := func(a, b int32) int { return cmp.Compare(len(t.tokens[b]), len(t.tokens[a])) }
	slices.SortStableFunc(t.specialAll, byLength)
	slices.SortStableFunc(t.specialUser, byLength)
}

// buildPieces renders every token as llama.cpp's token_to_piece does with
// special == false: control and unknown tokens are empty, user-defined ones
// are their text, normal ones are unescaped (SPM) or byte-decoded (BPE), byte
// tokens are their byte, and anything else is empty.
func (t *Tokenizer) buildPieces() {
	t.pieceOff = make([]uint32, len(t.tokens)+1)
	for id, s := range t.tokens {
		a := t.attrs[id]
		switch {
		case a&(attrControl|attrUnknown) != 0:
		case a&attrUserDefined != 0:
			t.pieces = append(t.pieces, s...)
		case a&attrNormal != 0 && t.spm:
			t.pieces = append(t.pieces, strings.ReplaceAll(s, spaceMark, " ")...)
		case a&attrNormal != 0:
			t.pieces = appendBPEDecoded(t.pieces, s)
		case a&attrByte != 0:
			t.pieces = append(t.pieces, byteTokenValue(s))
		}
		t.pieceOff[id+1] = uint32(len(t.pieces))
	}
}

// byteTokenValue parses the byte of a "<0xNN>" token the way llama.cpp does
// (strtol on the two characters after "<0x").
func byteTokenValue(s string) byte {
	var v byte
	for i := 3; i < 5 && i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | (c - '0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		default:
			return v
		}
	}
	return v
}

// VocabSize returns the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Model returns the tokenizer model: "llama" (SentencePiece) or "gpt2"
// (byte-level BPE).
func (t *Tokenizer) Model() string { return t.model }

// BOS returns the beginning-of-sequence token id, or -1.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the end-of-sequence token id, or -1.
func (t *Tokenizer) EOS() int32 { return t.eos }

// AddBOS reports whether Encode with addSpecial prepends BOS.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// IsEOG reports whether id ends generation: EOS, EOT, EOM and the tokens
// llama.cpp recognises by their text, such as <|eot_id|>, <|end_of_text|>,
// <|im_end|> and <end_of_turn>.
func (t *Tokenizer) IsEOG(id int32) bool { return t.eog[id] }

// Token returns the vocabulary entry of id as stored (for SPM with U+2581 for
// spaces, for BPE in the byte-to-character mapping), or "" if id is out of
// range.
func (t *Tokenizer) Token(id int32) string {
	if id < 0 || int(id) >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// Piece returns the bytes id decodes to on its own: empty for control and
// unknown tokens and for ids out of range. The slice is shared: do not modify
// it. A piece may be part of a UTF-8 sequence (byte tokens, BPE fragments).
func (t *Tokenizer) Piece(id int32) []byte {
	if id < 0 || int(id) >= len(t.tokens) {
		return nil
	}
	lo, hi := t.pieceOff[id], t.pieceOff[id+1]
	return t.pieces[lo:hi:hi]
}

// Encode returns the token ids of text. With addSpecial it prepends BOS and
// appends EOS as the vocabulary asks (AddBOS, AddEOS). With parseSpecial the
// text of control tokens (such as "<|eot_id|>" or "<s>") becomes their ids;
// without it they are tokenized as plain text. User-defined tokens are always
// matched, as in llama.cpp.
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) []int32 {
	out := make([]int32, 0, len(text)/3+2)
	if addSpecial && t.addBOS {
		out = append(out, t.bos)
	}
	sc := t.getScratch()
	defer t.scratch.Put(sc)
	prevSpecial := true // SPM: a fragment after a special token gets the dummy prefix
	t.partition(text, parseSpecial, func(frag string, id int32) {
		switch {
		case id >= 0:
			out = append(out, id)
			prevSpecial = true
		case t.spm:
			out = t.encodeSPM(frag, t.addSpace && prevSpecial, out, sc)
			prevSpecial = false
		default:
			out = t.encodeBPE(frag, out, sc)
		}
	})
	if addSpecial && t.addEOS {
		out = append(out, t.eos)
	}
	return out
}

// partition splits text around special tokens, as llama.cpp's
// tokenizer_st_partition: for each special token, longest first, every
// occurrence in the remaining text fragments is cut out. emit receives text
// fragments with id -1 and special tokens with their id.
func (t *Tokenizer) partition(text string, parseSpecial bool, emit func(frag string, id int32)) {
	if text == "" {
		return
	}
	specials := t.specialUser
	if parseSpecial {
		specials = t.specialAll
	}
	type fragment struct {
		text string
		id   int32
	}
	frags := []fragment{{text, -1}}
	var next []fragment
	for _, sid := range specials {
		tok := t.tokens[sid]
		next = next[:0]
		changed := false
		for _, f := range frags {
			if f.id >= 0 || !strings.Contains(f.text, tok) {
				next = append(next, f)
				continue
			}
			changed = true
			rest := f.text
			for {
				k := strings.Index(rest, tok)
				if k < 0 {
					break
				}
				if k > 0 {
					next = append(next, fragment{rest[:k], -1})
				}
				next = append(next, fragment{"", sid})
				rest = rest[k+len(tok):]
			}
			if rest != "" {
				next = append(next, fragment{rest, -1})
			}
		}
		if changed {
			frags, next = next, frags
		}
	}
	for _, f := range frags {
		emit(f.text, f.id)
	}
}

// Decode returns the text of ids: the concatenation of their pieces (see
// Piece), where for SPM with AddSpacePrefix the first token loses one leading
// space, undoing Encode's dummy prefix. This is llama.cpp's detokenizer with
// special tokens not rendered, except that BPE's clean-up of spaces before
// punctuation is not applied, so that Decode(Encode(s)) == s.
func (t *Tokenizer) Decode(ids []int32) string {
	n := 0
	for _, id := range ids {
		n += len(t.Piece(id))
	}
	var sb strings.Builder
	sb.Grow(n)
	for i, id := range ids {
		p := t.Piece(id)
		if i == 0 {
			p = t.stripFirst(p)
		}
		sb.Write(p)
	}
	return sb.String()
}

// stripFirst applies the leading-space rule to the piece of a sequence's
// first token.
func (t *Tokenizer) stripFirst(p []byte) []byte {
	if t.addSpace && len(p) > 0 && p[0] == ' ' {
		return p[1:]
	}
	return p
}

// NewDecoder returns a streaming decoder for a sequence from its first
// token: the concatenated output equals Decode of all ids fed to it.
func (t *Tokenizer) NewDecoder() *Decoder { return &Decoder{t: t, first: true} }

// NewContinuationDecoder returns a streaming decoder for tokens that continue
// a sequence, such as generated tokens after a prompt: the leading-space rule
// of the first token does not apply (llama.cpp's server streams pieces
// without it).
func (t *Tokenizer) NewContinuationDecoder() *Decoder { return &Decoder{t: t} }

// Decoder turns a stream of token ids into text, never splitting a UTF-8
// sequence: bytes that may still become a valid character are held back
// until a later token completes them. Every string it returns is valid UTF-8;
// bytes that cannot be part of valid UTF-8 become U+FFFD, one per byte. A
// Decoder is not safe for concurrent use.
type Decoder struct {
	t       *Tokenizer
	first   bool
	pending []byte
}

// Add feeds one token and returns the text it completes, possibly "".
func (d *Decoder) Add(id int32) string {
	p := d.t.Piece(id)
	if d.first {
		p = d.t.stripFirst(p)
		d.first = false
	}
	d.pending = append(d.pending, p...)
	i := 0
	clean := true
	for i < len(d.pending) {
		if d.pending[i] < utf8.RuneSelf {
			i++
			continue
		}
		if !utf8.FullRune(d.pending[i:]) {
			break
		}
		r, n := utf8.DecodeRune(d.pending[i:])
		if r == utf8.RuneError && n == 1 {
			clean = false
		}
		i += n
	}
	var s string
	if clean {
		s = string(d.pending[:i])
	} else {
		s = validUTF8(d.pending[:i])
	}
	d.pending = d.pending[:copy(d.pending, d.pending[i:])]
	return s
}

// Flush returns the bytes still held back, each as U+FFFD since no token
// completed them, and resets the Decoder's buffer.
func (d *Decoder) Flush() string {
	s := validUTF8(d.pending)
	d.pending = d.pending[:0]
	return s
}

// validUTF8 returns b with every byte that is not part of a valid UTF-8
// sequence replaced by U+FFFD.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			sb.WriteString("\uFFFD")
		} else {
			sb.Write(b[:n])
		}
		b = b[n:]
	}
	return sb.String()
}
