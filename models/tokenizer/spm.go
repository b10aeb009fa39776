package tokenizer

import (
	"fmt"
	"strings"
)

// SentencePiece as llama.cpp's llm_tokenizer_spm runs it: the text, with
// spaces replaced by U+2581, starts as one symbol per UTF-8 character
// (length from the lead byte alone, as unicode_len_utf8); adjacent symbols
// whose concatenation is a token are merged, highest score first and leftmost
// on ties, until no pair is a token; symbols that are not tokens become one
// byte token per byte.

// spaceMark is U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's space.
const spaceMark = "\u2581"

type spmState struct {
	byteFallback [256]int32 // the token of each byte for the fallback
	// splitWords is true when no token has a space mark after a non-space
	// character, so that no merge crosses the start of a "▁word" and each
	// such segment can be tokenized (and cached) on its own.
	splitWords bool
}

type spmSymbol struct {
	start, n   int32 // bytes of the segment; n == 0 once merged into its left neighbour
	prev, next int32 // neighbours in the list, -1 at the ends
}

type spmBigram struct {
	score       float32
	left, right int32
	size        int32 // bytes of both symbols when the pair was queued
}

func (a spmBigram) before(b spmBigram) bool {
	return a.score > b.score || (a.score == b.score && a.left < b.left)
}

func (t *Tokenizer) initSPM() error {
	for b := range 256 {
		id, ok := t.ids[fmt.Sprintf("<0x%02X>", b)]
		if !ok {
			id, ok = t.ids[string([]byte{byte(b)})]
		}
		if !ok {
			return fmt.Errorf("tokenizer: SentencePiece vocabulary has no byte token <0x%02X> for its byte fallback", b)
		}
		t.byteFallback[b] = id
	}
	t.splitWords = true
	for _, s := range t.tokens {
		if strings.Contains(strings.TrimLeft(s, spaceMark), spaceMark) {
			t.splitWords = false
			break
		}
	}
	return nil
}

// utf8Len is llama.cpp's unicode_len_utf8: a sequence length from the high
// bits of its lead byte, 1 for ASCII and stray continuation bytes.
func utf8Len(b byte) int {
	switch {
	case b < 0xC0:
		return 1
	case b < 0xE0:
		return 2
	case b < 0xF0:
		return 3
	}
	return 4
}

// encodeSPM appends the ids of one text fragment to out, with the dummy
// space prefix if prefix is set.
func (t *Tokenizer) encodeSPM(text string, prefix bool, out []int32, sc *scratch) []int32 {
	buf := sc.text[:0]
	if prefix {
		buf = append(buf, spaceMark...)
	}
	for i := 0; i < len(text); i++ {
		if text[i] == ' ' {
			buf = append(buf, spaceMark...)
		} else {
			buf = append(buf, text[i])
		}
	}
	sc.text = buf
	if !t.splitWords {
		return t.spmSegment(buf, out, sc)
	}
	// Cut before each space mark that does not follow another one: with
	// splitWords no token spans such a cut.
	start, prevMark := 0, false
	for i := 0; i < len(buf); {
		n := min(utf8Len(buf[i]), len(buf)-i)
		mark := n == 3 && string(buf[i:i+3]) == spaceMark
		if mark && !prevMark && i > start {
			out = t.spmCached(buf[start:i], out, sc)
			start = i
		}
		prevMark = mark
		i += n
	}
	return t.spmCached(buf[start:], out, sc)
}

func (t *Tokenizer) spmCached(seg []byte, out []int32, sc *scratch) []int32 {
	if len(seg) > maxCachedWord {
		return t.spmSegment(seg, out, sc)
	}
	if ids, ok := t.cache.getBytes(seg); ok {
		return append(out, ids...)
	}
	n := len(out)
	out = t.spmSegment(seg, out, sc)
	t.cache.put(string(seg), out[n:])
	return out
}

// spmSegment runs the merge loop over seg and appends its ids to out.
func (t *Tokenizer) spmSegment(seg []byte, out []int32, sc *scratch) []int32 {
	if len(seg) == 0 {
		return out
	}
	syms := sc.spmSyms[:0]
	for offs := 0; offs < len(seg); {
		n := min(utf8Len(seg[offs]), len(seg)-offs)
		i := int32(len(syms))
		syms = append(syms, spmSymbol{start: int32(offs), n: int32(n), prev: i - 1, next: i + 1})
		offs += n
	}
	syms[len(syms)-1].next = -1

	q := sc.spmQueue[:0]
	tryAdd := func(left, right int32) {
		if left < 0 || right < 0 {
			return
		}
		l, r := syms[left], syms[right]
		id, ok := t.ids[string(seg[l.start:l.start+l.n+r.n])]
		if !ok {
			return
		}
		q.push(spmBigram{score: t.scores[id], left: left, right: right, size: l.n + r.n})
	}
	for i := int32(1); i < int32(len(syms)); i++ {
		tryAdd(i-1, i)
	}
	for len(q) > 0 {
		bg := q.pop()
		l, r := &syms[bg.left], &syms[bg.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != bg.size {
			continue // stale: one side has changed since the pair was queued
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = bg.left
		}
		tryAdd(l.prev, bg.left)
		tryAdd(bg.left, l.next)
	}
	sc.spmQueue = q

	for i := int32(0); i >= 0; i = syms[i].next {
		s := seg[syms[i].start : syms[i].start+syms[i].n]
		if id, ok := t.ids[string(s)]; ok {
			out = append(out, id)
			continue
		}
		for _, b := range s {
			out = append(out, t.byteFallback[b])
		}
	}
	sc.spmSyms = syms
	return out
}
