package tokenizer

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Byte-level BPE splits text into words before merging. llama.cpp does this
// with hand-written scanners that stand in for the Hugging Face regexes (Go's
// regexp has no lookahead), and this file reproduces those scanners, quirks
// included, over the same Unicode classes: \p{L} (unicode.IsLetter), \p{N}
// (unicode.IsNumber) and \s (the White_Space property).

// splitFunc calls emit with each word of text, in order; the words
// concatenate to text.
type splitFunc func(text string, emit func(word string))

// preTokenizers maps tokenizer.ggml.pre values to their split functions and
// whether the whole word is looked up in the vocabulary before merging
// (llama.cpp's ignore_merges).
var preTokenizers = map[string]struct {
	split        splitFunc
	ignoreMerges bool
}{
	"":          {splitDefault, false}, // llama.cpp warns and uses "default"
	"default":   {splitDefault, false},
	"llama3":    {splitLlama3, true},
	"llama-v3":  {splitLlama3, true},
	"llama-bpe": {splitLlama3, true},
	"falcon3":   {splitLlama3, true},
	"pixtral":   {splitLlama3, true},
	"gpt-2":     {splitGPT2, false},
	"phi-2":     {splitGPT2, false},
}

func preTokenizerFor(pre string) (splitFunc, bool, error) {
	p, ok := preTokenizers[pre]
	if !ok {
		return nil, false, fmt.Errorf("tokenizer: unsupported BPE pre-tokenizer %q", pre)
	}
	return p.split, p.ignoreMerges, nil
}

// Code point classes. White_Space, letters and numbers are disjoint.
const (
	classOther  uint8 = iota // punctuation, symbols, marks, controls, unassigned
	classLetter              // \p{L}
	classNumber              // \p{N}
	classSpace               // \s (White_Space)
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for r := range t {
		t[r] = classifySlow(rune(r))
	}
	return t
}()

func classifySlow(r rune) uint8 {
	switch {
	case unicode.Is(unicode.White_Space, r):
		return classSpace
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	}
	return classOther
}

func classify(r rune) uint8 {
	if r >= 0 && r < utf8.RuneSelf {
		return asciiClass[r]
	}
	return classifySlow(r)
}

// decodeCpt decodes the code point at s[i:] as llama.cpp's
// unicode_cpt_from_utf8 does: by the lead byte's length, checking only that
// continuation bytes are 10xxxxxx. Overlong forms and surrogates decode; a
// stray continuation byte or a truncated sequence gives ok == false.
func decodeCpt(s string, i int) (r rune, n int, ok bool) {
	b0 := s[i]
	cont := func(k int) bool { return i+k < len(s) && s[i+k]&0xC0 == 0x80 }
	switch {
	case b0 < 0x80:
		return rune(b0), 1, true
	case b0&0x40 == 0:
		return 0, 0, false
	case b0&0x20 == 0:
		if !cont(1) {
			return 0, 0, false
		}
		return rune(b0&0x1F)<<6 | rune(s[i+1]&0x3F), 2, true
	case b0&0x10 == 0:
		if !cont(1) || !cont(2) {
			return 0, 0, false
		}
		return rune(b0&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F), 3, true
	case b0&0x08 == 0:
		if !cont(1) || !cont(2) || !cont(3) {
			return 0, 0, false
		}
		return rune(b0&0x07)<<18 | rune(s[i+1]&0x3F)<<12 | rune(s[i+2]&0x3F)<<6 | rune(s[i+3]&0x3F), 4, true
	}
	return 0, 0, false
}

// appendCpt encodes r like llama.cpp's unicode_cpt_to_utf8, which (unlike
// utf8.AppendRune) keeps surrogates.
func appendCpt(b []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(b, byte(r))
	case r < 0x800:
		return append(b, 0xC0|byte(r>>6), 0x80|byte(r)&0x3F)
	case r < 0x10000:
		return append(b, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return append(b, 0xF0|byte(r>>18), 0x80|byte(r>>12)&0x3F, 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
}

// normalizeUTF8 returns text as llama.cpp's BPE path sees it: decoded into
// code points and encoded again, so that each byte that does not decode
// becomes U+FFFD. Valid UTF-8 is returned as is. (llama.cpp throws on a
// decoded value above U+10FFFF; here it becomes U+FFFD too.)
func normalizeUTF8(text string) string {
	if utf8.ValidString(text) {
		return text
	}
	b := make([]byte, 0, len(text)+16)
	for i := 0; i < len(text); {
		r, n, ok := decodeCpt(text, i)
		switch {
		case !ok:
			r, n = utf8.RuneError, 1
		case r > unicode.MaxRune:
			r = utf8.RuneError
		}
		b = appendCpt(b, r)
		i += n
	}
	return string(b)
}

// cptAt decodes the code point at s[i:], where s came from normalizeUTF8.
func cptAt(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	r, n, ok := decodeCpt(s, i)
	if !ok {
		return utf8.RuneError, 1
	}
	return r, n
}

// classAt returns the class of the code point at s[i:].
func classAt(s string, i int) uint8 {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c]
	}
	r, _ := cptAt(s, i)
	return classify(r)
}

// runEnd returns the end of the run of code points of class c starting at i,
// taking at most max code points (max < 0: no limit).
func runEnd(s string, i int, c uint8, max int) int {
	for ; i < len(s) && max != 0 && classAt(s, i) == c; max-- {
		_, n := cptAt(s, i)
		i += n
	}
	return i
}

// contractionEnd matches 's|'t|'re|'ve|'m|'ll|'d at the apostrophe s[i], case
// insensitively if fold, and returns the end of the match or -1.
func contractionEnd(s string, i int, fold bool) int {
	lower := func(r rune) rune {
		if fold {
			return unicode.ToLower(r)
		}
		return r
	}
	j := i + 1
	if j >= len(s) {
		return -1
	}
	r1, n1 := cptAt(s, j)
	r1 = lower(r1)
	switch r1 {
	case 's', 't', 'm', 'd':
		return j + n1
	}
	if j+n1 >= len(s) {
		return -1
	}
	r2, n2 := cptAt(s, j+n1)
	r2 = lower(r2)
	if (r1 == 'r' && r2 == 'e') || (r1 == 'v' && r2 == 'e') || (r1 == 'l' && r2 == 'l') {
		return j + n1 + n2
	}
	return -1
}

// spaceRun scans the White_Space run at i and returns its end, the start of
// its last code point, how many code points it has, and the end of its last
// \r or \n (-1 if none).
func spaceRun(s string, i int) (end, last, count, afterNewline int) {
	end, last, afterNewline = i, i, -1
	for end < len(s) {
		r, n := cptAt(s, end)
		if classify(r) != classSpace {
			break
		}
		last = end
		end += n
		count++
		if r == '\r' || r == '\n' {
			afterNewline = end
		}
	}
	return end, last, count, afterNewline
}

// splitLlama3 is the Llama 3 pre-tokenizer, the regex
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// as llama.cpp's unicode_regex_split_custom_llama3 implements it.
func splitLlama3(s string, emit func(string)) {
	s = normalizeUTF8(s)
	for i := 0; i < len(s); {
		r, n := cptAt(s, i)
		c := classify(r)
		end := -1
		if r == '\'' {
			end = contractionEnd(s, i, true)
		}
		switch {
		case end >= 0:
		case r != '\r' && r != '\n' && c != classNumber &&
			(c == classLetter || (i+n < len(s) && classAt(s, i+n) == classLetter)):
			end = runEnd(s, i+n, classLetter, -1)
		case c == classNumber:
			end = runEnd(s, i, classNumber, 3)
		}
		if end < 0 {
			// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
			start := i
			if r == ' ' {
				start = i + n
			}
			if start < len(s) && classAt(s, start) == classOther {
				end = runEnd(s, start, classOther, -1)
				for end < len(s) && (s[end] == '\r' || s[end] == '\n') {
					end++
				}
			}
		}
		if end < 0 {
			wsEnd, last, count, afterNewline := spaceRun(s, i)
			switch {
			case afterNewline >= 0: // \s*[\r\n]+
				end = afterNewline
			case count > 1 && wsEnd < len(s): // \s+(?!\S)
				end = last
			case count > 0: // \s+
				end = wsEnd
			default:
				end = i + n
			}
		}
		emit(s[i:end])
		i = end
	}
}

// splitGPT2 is the GPT-2 pre-tokenizer, the regex
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// as llama.cpp's unicode_regex_split_custom_gpt2 implements it.
func splitGPT2(s string, emit func(string)) {
	s = normalizeUTF8(s)
	for i := 0; i < len(s); {
		r, n := cptAt(s, i)
		end := -1
		if r == '\'' {
			end = contractionEnd(s, i, false)
		}
		if end < 0 {
			start := i
			if r == ' ' {
				start = i + n
			}
			if start < len(s) {
				if c := classAt(s, start); c != classSpace {
					end = runEnd(s, start, c, -1)
				}
			}
		}
		if end < 0 {
			wsEnd, last, count, _ := spaceRun(s, i)
			switch {
			case count > 1 && wsEnd < len(s):
				end = last
			case count > 0:
				end = wsEnd
			default:
				end = i + n
			}
		}
		emit(s[i:end])
		i = end
	}
}

// splitDefault is llama.cpp's fallback BPE pre-tokenizer ("default" or no
// tokenizer.ggml.pre), four regexes applied in turn, each splitting the
// pieces of the one before into matches and the text between them:
// [\p{P}\$\+<=>\^~\|]+, then the GPT-2 regex, then \p{N}+, then [0-9][0-9][0-9].
func splitDefault(s string, emit func(string)) {
	s = normalizeUTF8(s)
	splitMatches(s, isDefaultPunct, func(a string) {
		splitGPT2(a, func(b string) {
			splitMatches(b, func(r rune) bool { return classify(r) == classNumber }, func(c string) {
				splitDigitTriples(c, emit)
			})
		})
	})
}

func isDefaultPunct(r rune) bool {
	switch r {
	case '$', '+', '<', '=', '>', '^', '~', '|':
		return true
	}
	return unicode.IsPunct(r)
}

// splitMatches splits s into the maximal runs of code points for which in is
// true and the text between them.
func splitMatches(s string, in func(rune) bool, emit func(string)) {
	start := 0
	var prev bool
	for i := 0; i < len(s); {
		r, n := cptAt(s, i)
		cur := in(r)
		if i > start && cur != prev {
			emit(s[start:i])
			start = i
		}
		prev = cur
		i += n
	}
	if start < len(s) {
		emit(s[start:])
	}
}

// splitDigitTriples splits s at the leftmost non-overlapping matches of
// [0-9][0-9][0-9].
func splitDigitTriples(s string, emit func(string)) {
	start := 0
	for i := 0; i+3 <= len(s); {
		if isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) {
			if i > start {
				emit(s[start:i])
			}
			emit(s[i : i+3])
			i += 3
			start = i
			continue
		}
		i++
	}
	if start < len(s) {
		emit(s[start:])
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
