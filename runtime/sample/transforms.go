package sample

import (
	"cmp"
	"math"
	"slices"
)

// negInf is the logit of a token that must never be drawn.
var negInf = float32(math.Inf(-1))

// candidate is a token still in the running: its id, its (penalized) logit
// and, once softmax has run, its probability among the candidates.
type candidate struct {
	id    int32
	logit float32
	p     float32
}

// better orders candidates from the most to the least likely: higher logit
// first, lower id first on ties. It is a strict total order over distinct ids.
func better(a, b candidate) bool {
	return a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
}

// byLikelihood is better as a comparison function for slices.SortFunc.
func byLikelihood(a, b candidate) int {
	if c := cmp.Compare(b.logit, a.logit); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// penalize applies the repeat, presence and frequency penalties of p to the
// logits x of the tokens in window:
//
//	if repeat is on:  x[t] = x[t] / repeat if x[t] > 0, else x[t] * repeat
//	then:             x[t] -= count(t)*frequency + presence
//
// where count(t) > 0 is the number of times t occurs in window. Tokens
// outside x and tokens at -Inf are left alone, and the result is clamped to
// the finite float32 range, so a penalty never makes a token impossible.
// counts must have len(x) zeros; they are zero again on return.
func penalize(x []float32, window, counts []int32, p Params) {
	for _, t := range window {
		if uint(t) < uint(len(x)) {
			counts[t]++
		}
	}
	repeat := float64(p.RepeatPenalty)
	useRepeat := repeat != 0 && repeat != 1
	for _, t := range window {
		if uint(t) >= uint(len(x)) || counts[t] == 0 {
			continue
		}
		n := counts[t]
		counts[t] = 0
		if x[t] == negInf {
			continue
		}
		v := float64(x[t])
		if useRepeat {
			if v > 0 {
				v /= repeat
			} else {
				v *= repeat
			}
		}
		v -= float64(n)*float64(p.FrequencyPenalty) + float64(p.PresencePenalty)
		x[t] = float32(max(-math.MaxFloat32, min(v, math.MaxFloat32)))
	}
}

// argmax returns the id of the highest logit, the lowest id on ties; 0 if
// every logit is -Inf. x holds no NaN.
func argmax(x []float32) int32 {
	best, top := 0, negInf
	for i, v := range x {
		if v > top {
			best, top = i, v
		}
	}
	return int32(best)
}

// finite fills dst with every token of x whose logit is not -Inf, in id
// order, and returns it. dst must be at least as long as x.
func finite(dst []candidate, x []float32) []candidate {
	c := dst[:0]
	for i, v := range x {
		if v != negInf {
			c = append(c, candidate{id: int32(i), logit: v})
		}
	}
	return c
}

// topK fills dst with the k most likely tokens of x (fewer if x has fewer
// than k logits above -Inf), sorted from the most likely, and returns it.
// It keeps a min-heap of the best k seen so far, so it costs O(n log k) at
// worst and about O(n) on real logits, where few tokens beat the k-th best.
// dst must be at least k long.
func topK(dst []candidate, x []float32, k int) []candidate {
	h := dst[:0]
	i := 0
	for ; i < len(x) && len(h) < k; i++ {
		if x[i] != negInf {
			h = append(h, candidate{id: int32(i), logit: x[i]})
		}
	}
	for j := len(h)/2 - 1; j >= 0; j-- {
		siftDown(h, j)
	}
	if len(h) == k {
		// h[0] is the worst kept, and finite. Ids only grow, so a logit
		// equal to it loses; -Inf never beats it.
		floor := h[0].logit
		for ; i < len(x); i++ {
			if v := x[i]; v > floor {
				h[0] = candidate{id: int32(i), logit: v}
				siftDown(h, 0)
				floor = h[0].logit
			}
		}
	}
	slices.SortFunc(h, byLikelihood)
	return h
}

// siftDown restores the min-heap order (the least likely at the root) of h
// below index i.
func siftDown(h []candidate, i int) {
	for {
		worst := i
		if l := 2*i + 1; l < len(h) && better(h[worst], h[l]) {
			worst = l
		}
		if r := 2*i + 2; r < len(h) && better(h[worst], h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// maxLogit returns the highest logit in c, which is not empty.
func maxLogit(c []candidate) float32 {
	m := c[0].logit
	for _, x := range c[1:] {
		if x.logit > m { // not the max builtin, which pays for NaN and -0
			m = x.logit
		}
	}
	return m
}

// softmax sets the p of every candidate to softmax(logit) over c.
func softmax(c []candidate) {
	top := float64(maxLogit(c))
	var sum float64
	for i := range c {
		e := math.Exp(float64(c[i].logit) - top)
		c[i].p = float32(e)
		sum += e
	}
	inv := 1 / sum
	for i := range c {
		c[i].p = float32(float64(c[i].p) * inv)
	}
}

// topP keeps the smallest prefix of c, in order of likelihood, whose
// probabilities add up to at least p, the token crossing p included
// (llama.cpp semantics). The p fields must be set. If sorted, c is already in
// order of likelihood and topP returns a prefix of it; otherwise it reorders c
// so that the survivors come first, in no particular order, without sorting
// all of c.
func topP(c []candidate, p float32, sorted bool) []candidate {
	need := float64(p)
	if sorted {
		return c[:prefixReaching(c, need)]
	}
	// Quickselect on probability mass: c[:lo] is known to survive, c[hi:]
	// known not to, and need is the mass still missing from c[:lo].
	lo, hi := 0, len(c)
	for hi-lo > 16 {
		m := lo + partition(c[lo:hi])
		var mass float64
		for _, x := range c[lo:m] {
			mass += float64(x.p)
		}
		if mass >= need { // the crossing token is better than the pivot
			hi = m
			continue
		}
		need -= mass + float64(c[m].p)
		if need <= 0 { // the pivot crosses p
			return c[:m+1]
		}
		lo = m + 1
	}
	slices.SortFunc(c[lo:hi], byLikelihood)
	return c[:lo+prefixReaching(c[lo:hi], need)]
}

// prefixReaching returns the length of the shortest prefix of c whose
// probabilities add up to at least need, or len(c) if rounding leaves the
// whole of c short of it.
func prefixReaching(c []candidate, need float64) int {
	var cum float64
	for i, x := range c {
		cum += float64(x.p)
		if cum >= need {
			return i + 1
		}
	}
	return len(c)
}

// partition reorders c, which has at least 3 entries, around a median-of-three
// pivot: the entries better than the pivot first, then the pivot, then the
// rest. It returns the pivot's index.
func partition(c []candidate) int {
	last, mid := len(c)-1, len(c)/2
	// Order c[0], c[mid], c[last] so that the median lands in c[mid].
	if better(c[mid], c[0]) {
		c[0], c[mid] = c[mid], c[0]
	}
	if better(c[last], c[mid]) {
		c[mid], c[last] = c[last], c[mid]
		if better(c[mid], c[0]) {
			c[0], c[mid] = c[mid], c[0]
		}
	}
	c[mid], c[last] = c[last], c[mid]
	pivot := c[last]
	i := 0
	for j := range c[:last] {
		if better(c[j], pivot) {
			c[i], c[j] = c[j], c[i]
			i++
		}
	}
	c[i], c[last] = c[last], c[i]
	return i
}

// minP keeps the candidates whose probability is at least minP times the
// highest, that is whose logit is at least the highest plus ln(minP). It keeps
// the order of c.
func minP(c []candidate, minP float32) []candidate {
	threshold := float64(maxLogit(c)) + math.Log(float64(minP))
	kept := c[:0]
	for _, x := range c {
		if float64(x.logit) >= threshold {
			kept = append(kept, x)
		}
	}
	return kept
}
