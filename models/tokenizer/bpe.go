package tokenizer

import (
	"fmt"
	"strings"
)

// Byte-level BPE as llama.cpp's llm_tokenizer_bpe runs it: the pre-tokenizer
// splits the text into words; each byte of a word is mapped to a printable
// character (GPT-2's bytes_to_unicode); with ignore_merges (Llama 3) a word
// that is a token as a whole is emitted at once; otherwise adjacent symbols
// merge by lowest merge rank, leftmost on ties. A final symbol that is not a
// token is emitted as the single-byte tokens of its mapped text, when they
// exist.

type bpeState struct {
	split        splitFunc
	ignoreMerges bool
	// merges maps a pair of symbols (left<<32 | right) to rank<<32 | the
	// merged symbol. Symbols are token ids, or ids from len(tokens) on for
	// strings that occur in merges but are not tokens.
	merges     map[uint64]uint64
	byteSym    [256]int32 // the symbol of each byte's mapped character, -1 if none
	singleByte [256]int32 // the token whose text is this single byte, -1 if none
}

type bpeSymbol struct {
	sym        int32 // -1: a character that takes part in no merge
	start, n   int32 // bytes of the (unmapped) word; n == 0 once merged away
	prev, next int32
}

type bpeBigram struct {
	rank        int32
	left, right int32
	size        int32 // bytes of both symbols when the pair was queued
	result      int32 // the merged symbol
}

func (a bpeBigram) before(b bpeBigram) bool {
	return a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
}

// The GPT-2 byte-to-character mapping: printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100 onwards, in byte order.
var (
	byteRune [256]rune
	byteStr  [256]string
	runeByte [256 + 68]int16 // -1 where a code point is not a mapped byte
)

func init() {
	for i := range runeByte {
		runeByte[i] = -1
	}
	next := rune(256)
	for b := range 256 {
		r := rune(b)
		if !(('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF)) {
			r = next
			next++
		}
		byteRune[b] = r
		byteStr[b] = string(r)
		runeByte[r] = int16(b)
	}
}

// appendBPEDecoded appends the bytes that token text s stands for, as
// llama.cpp's llama_decode_text, including its marker for characters outside
// the byte mapping.
func appendBPEDecoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, n, ok := decodeCpt(s, i)
		if !ok {
			r, n = '\uFFFD', 1
		}
		i += n
		if r >= 0 && int(r) < len(runeByte) && runeByte[r] >= 0 {
			dst = append(dst, byte(runeByte[r]))
			continue
		}
		dst = append(dst, "[UNK_BYTE_0x"...)
		for _, c := range appendCpt(nil, r) {
			dst = fmt.Appendf(dst, "%02x", c)
		}
		dst = append(dst, s...)
		dst = append(dst, ']')
	}
	return dst
}

func (t *Tokenizer) initBPE(pre string, merges []string) error {
	var err error
	t.split, t.ignoreMerges, err = preTokenizerFor(pre)
	if err != nil {
		return err
	}
	extra := make(map[string]int32)
	lookup := func(s string) (int32, bool) {
		if id, ok := t.ids[s]; ok {
			return id, true
		}
		id, ok := extra[s]
		return id, ok
	}
	intern := func(s string) int32 {
		if id, ok := lookup(s); ok {
			return id
		}
		id := int32(len(t.tokens) + len(extra))
		extra[strings.Clone(s)] = id
		return id
	}
	t.merges = make(map[uint64]uint64, len(merges))
	var joined []byte
	for rank, m := range merges {
		// llama.cpp splits at the first space after the first byte.
		pos := -1
		if len(m) > 1 {
			if k := strings.IndexByte(m[1:], ' '); k >= 0 {
				pos = k + 1
			}
		}
		if pos < 0 {
			return fmt.Errorf("tokenizer: merge %d (%q) is not two space-separated parts", rank, m)
		}
		a, b := m[:pos], m[pos+1:]
		if b == "" {
			continue // matches no symbol
		}
		joined = append(append(joined[:0], a...), b...)
		key := uint64(uint32(intern(a)))<<32 | uint64(uint32(intern(b)))
		if _, dup := t.merges[key]; dup {
			continue // the first rank wins
		}
		result := intern(string(joined))
		t.merges[key] = uint64(rank)<<32 | uint64(uint32(result))
	}
	for b := range 256 {
		t.byteSym[b] = -1
		if id, ok := lookup(byteStr[b]); ok {
			t.byteSym[b] = id
		}
		t.singleByte[b] = -1
		if id, ok := t.ids[string([]byte{byte(b)})]; ok {
			t.singleByte[b] = id
		}
	}
	return nil
}

// encodeBPE appends the ids of one text fragment to out.
func (t *Tokenizer) encodeBPE(text string, out []int32, sc *scratch) []int32 {
	t.split(text, func(word string) {
		if len(word) > maxCachedWord {
			out = t.bpeWord(word, out, sc)
			return
		}
		if ids, ok := t.cache.get(word); ok {
			out = append(out, ids...)
			return
		}
		n := len(out)
		out = t.bpeWord(word, out, sc)
		t.cache.put(word, out[n:])
	})
	return out
}

// bpeWord tokenizes one pre-tokenizer word and appends its ids to out.
func (t *Tokenizer) bpeWord(word string, out []int32, sc *scratch) []int32 {
	if t.ignoreMerges {
		enc := sc.text[:0]
		for i := 0; i < len(word); i++ {
			enc = append(enc, byteStr[word[i]]...)
		}
		sc.text = enc
		if id, ok := t.ids[string(enc)]; ok {
			return append(out, id)
		}
	}
	if word == "" {
		return out
	}
	syms := sc.bpeSyms[:0]
	for i := int32(0); i < int32(len(word)); i++ {
		syms = append(syms, bpeSymbol{sym: t.byteSym[word[i]], start: i, n: 1, prev: i - 1, next: i + 1})
	}
	syms[len(syms)-1].next = -1

	q := sc.bpeQueue[:0]
	tryAdd := func(left, right int32) {
		if left < 0 || right < 0 {
			return
		}
		a, b := syms[left].sym, syms[right].sym
		if a < 0 || b < 0 {
			return
		}
		v, ok := t.merges[uint64(uint32(a))<<32|uint64(uint32(b))]
		if !ok {
			return
		}
		q.push(bpeBigram{rank: int32(v >> 32), left: left, right: right,
			size: syms[left].n + syms[right].n, result: int32(uint32(v))})
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
		l.sym = bg.result
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = bg.left
		}
		tryAdd(l.prev, bg.left)
		tryAdd(bg.left, l.next)
	}
	sc.bpeQueue = q

	for i := int32(0); i >= 0; i = syms[i].next {
		s := syms[i]
		if s.sym >= 0 && int(s.sym) < len(t.tokens) {
			out = append(out, s.sym)
			continue
		}
		for _, b := range []byte(word[s.start : s.start+s.n]) {
			for _, c := range []byte(byteStr[b]) {
				if id := t.singleByte[c]; id >= 0 {
					out = append(out, id)
				}
			}
		}
	}
	sc.bpeSyms = syms
	return out
}
