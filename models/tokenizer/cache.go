package tokenizer

import (
	"strings"
	"sync"
)

// Helpers shared by the SPM and BPE merge loops: a binary heap, reusable
// scratch buffers and a cache of tokenized words.

// queue is a binary heap whose top is the element that comes before all
// others.
type queue[T interface{ before(T) bool }] []T

func (q *queue[T]) push(x T) {
	h := append(*q, x)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].before(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	*q = h
}

func (q *queue[T]) pop() T {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].before(h[m]) {
			m = l
		}
		if r < len(h) && h[r].before(h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// scratch holds the buffers one Encode call reuses from word to word.
type scratch struct {
	text     []byte // SPM: the escaped fragment; BPE: the byte-mapped word
	spmSyms  []spmSymbol
	spmQueue queue[spmBigram]
	bpeSyms  []bpeSymbol
	bpeQueue queue[bpeBigram]
}

func (t *Tokenizer) getScratch() *scratch {
	if sc, ok := t.scratch.Get().(*scratch); ok {
		return sc
	}
	return new(scratch)
}

// Words (SPM: space-led segments, BPE: pre-tokenizer words) recur, and their
// ids do not depend on context, so a Tokenizer caches them. The cache is
// bounded: it only holds short words and is emptied when full.
const (
	maxCachedWord   = 64
	maxCacheEntries = 1 << 17
)

type wordCache struct {
	mu sync.Mutex
	m  map[string][]int32
}

func (c *wordCache) get(word string) ([]int32, bool) {
	c.mu.Lock()
	ids, ok := c.m[word]
	c.mu.Unlock()
	return ids, ok
}

func (c *wordCache) getBytes(word []byte) ([]int32, bool) {
	c.mu.Lock()
	ids, ok := c.m[string(word)]
	c.mu.Unlock()
	return ids, ok
}

// put stores a copy of ids under a copy of word.
func (c *wordCache) put(word string, ids []int32) {
	ids = append([]int32(nil), ids...)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCacheEntries {
		c.m = make(map[string][]int32)
	}
	c.m[strings.Clone(word)] = ids
	c.mu.Unlock()
}
