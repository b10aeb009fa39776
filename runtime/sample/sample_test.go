package sample_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"sovra/runtime/sample"
)

var (
	inf = float32(math.Inf(1))
	nan = float32(math.NaN())
)

// off is Params with every truncation step off, at temperature 1.
func off() sample.Params {
	return sample.Params{Temperature: 1, TopP: 1, RepeatPenalty: 1}
}

func newSampler(t testing.TB, p sample.Params, vocab int) *sample.Sampler {
	t.Helper()
	s, err := sample.New(p, vocab)
	if err != nil {
		t.Fatalf("New(%+v, %d): %v", p, vocab, err)
	}
	return s
}

// lnProbs returns logits whose softmax is probs.
func lnProbs(probs ...float64) []float32 {
	x := make([]float32, len(probs))
	for i, p := range probs {
		x[i] = float32(math.Log(p))
	}
	return x
}

// randomLogits returns n logits drawn from N(0, 2²), fixed by seed.
func randomLogits(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 0))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 2)
	}
	return x
}

func TestNewRejectsNonsense(t *testing.T) {
	nanf := float32(math.NaN())
	for _, tc := range []struct {
		name  string
		edit  func(*sample.Params)
		vocab int
	}{
		{"vocab 0", func(*sample.Params) {}, 0},
		{"vocab -1", func(*sample.Params) {}, -1},
		{"temperature NaN", func(p *sample.Params) { p.Temperature = nanf }, 10},
		{"temperature +Inf", func(p *sample.Params) { p.Temperature = inf }, 10},
		{"top_p -0.5", func(p *sample.Params) { p.TopP = -0.5 }, 10},
		{"top_p NaN", func(p *sample.Params) { p.TopP = nanf }, 10},
		{"top_p +Inf", func(p *sample.Params) { p.TopP = inf }, 10},
		{"min_p 1.01", func(p *sample.Params) { p.MinP = 1.01 }, 10},
		{"min_p NaN", func(p *sample.Params) { p.MinP = nanf }, 10},
		{"repeat_penalty -1", func(p *sample.Params) { p.RepeatPenalty = -1 }, 10},
		{"repeat_penalty +Inf", func(p *sample.Params) { p.RepeatPenalty = inf }, 10},
		{"repeat_last_n -2", func(p *sample.Params) { p.RepeatLastN = -2 }, 10},
		{"presence NaN", func(p *sample.Params) { p.PresencePenalty = nanf }, 10},
		{"frequency -Inf", func(p *sample.Params) { p.FrequencyPenalty = -inf }, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := sample.DefaultParams()
			tc.edit(&p)
			s, err := sample.New(p, tc.vocab)
			if !errors.Is(err, sample.ErrInvalidParams) {
				t.Fatalf("New(%+v, %d) = %v, %v; want ErrInvalidParams", p, tc.vocab, s, err)
			}
		})
	}
}

func TestNewAcceptsEdges(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*sample.Params)
	}{
		{"defaults", func(*sample.Params) {}},
		{"negative temperature", func(p *sample.Params) { p.Temperature = -1 }},
		{"top_p 0", func(p *sample.Params) { p.TopP = 0 }},
		{"zero Params", func(p *sample.Params) { *p = sample.Params{} }},
		{"top_p 1", func(p *sample.Params) { p.TopP = 1 }},
		{"top_p above 1", func(p *sample.Params) { p.TopP = 2 }},
		{"min_p 1", func(p *sample.Params) { p.MinP = 1 }},
		{"min_p negative", func(p *sample.Params) { p.MinP = -1 }},
		{"top_k negative", func(p *sample.Params) { p.TopK = -5 }},
		{"top_k beyond vocab", func(p *sample.Params) { p.TopK = 1000 }},
		{"repeat_penalty 0", func(p *sample.Params) { p.RepeatPenalty = 0 }},
		{"whole history", func(p *sample.Params) { p.RepeatLastN = -1; p.RepeatPenalty = 1.1 }},
		{"negative presence", func(p *sample.Params) { p.PresencePenalty = -2; p.FrequencyPenalty = -2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := sample.DefaultParams()
			tc.edit(&p)
			s := newSampler(t, p, 10)
			if got := s.Sample(randomLogits(10, 1)); got < 0 || got >= 10 {
				t.Errorf("Sample = %d; want an id in [0, 10)", got)
			}
		})
	}
}

func TestDefaultParams(t *testing.T) {
	want := sample.Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1, RepeatLastN: 64}
	if got := sample.DefaultParams(); got != want {
		t.Errorf("DefaultParams() = %+v; want %+v", got, want)
	}
}

func TestGreedy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		temp   float32
		logits []float32
		want   int32
	}{
		{"argmax", 0, []float32{0.1, -3, 2.5, 2.4, 1}, 2},
		{"tie takes lowest id", 0, []float32{1, 3, 2, 3, 3}, 1},
		{"negative temperature", -0.5, []float32{1, 3, 2, 4}, 3},
		{"NaN ignored", 0, []float32{nan, 1, nan, 0.5}, 1},
		{"NaN only beside -Inf", 0, []float32{-inf, nan, -inf, -5}, 3},
		{"+Inf wins, lowest id", 0, []float32{3, inf, 5, inf}, 1},
		{"all -Inf gives 0", 0, []float32{-inf, -inf, -inf}, 0},
		{"all NaN gives 0", 0, []float32{nan, nan}, 0},
		{"single", 0, []float32{-7}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := off()
			p.Temperature = tc.temp
			s := newSampler(t, p, len(tc.logits))
			if got := s.Sample(tc.logits); got != tc.want {
				t.Errorf("Sample(%v) = %d; want %d", tc.logits, got, tc.want)
			}
		})
	}
}

func TestEmptyRow(t *testing.T) {
	s := newSampler(t, sample.DefaultParams(), 4)
	if got := s.Sample(nil); got != -1 {
		t.Errorf("Sample(nil) = %d; want -1", got)
	}
}

func TestLongerRowGrows(t *testing.T) {
	p := off()
	p.Temperature = 0
	s := newSampler(t, p, 2)
	if got := s.Sample([]float32{0, 1, 2, 5, 3}); got != 3 {
		t.Errorf("Sample on a row longer than the vocabulary = %d; want 3", got)
	}
}

func TestTopKOneIsGreedy(t *testing.T) {
	for seed := range uint64(20) {
		logits := randomLogits(500, seed)
		// Quantize so that ties at the top happen.
		for i := range logits {
			logits[i] = float32(math.Round(float64(logits[i])))
		}
		pg := off()
		pg.Temperature = 0
		want := newSampler(t, pg, len(logits)).Sample(logits)
		for _, temp := range []float32{0.01, 0.7, 1, 5, 1000} {
			p := sample.DefaultParams()
			p.TopK, p.Temperature, p.Seed = 1, temp, seed
			s := newSampler(t, p, len(logits))
			for range 10 {
				if got := s.Sample(logits); got != want {
					t.Fatalf("seed %d, temperature %v: top-k 1 sampled %d; greedy gives %d", seed, temp, got, want)
				}
			}
		}
	}
}

// frequencies samples logits perSeed times from each of seeds samplers built
// from p with seeds 1..seeds, and returns the share of each id.
func frequencies(t *testing.T, p sample.Params, logits []float32, seeds, perSeed int) []float64 {
	t.Helper()
	counts := make([]float64, len(logits))
	for seed := range uint64(seeds) {
		p.Seed = seed + 1
		s := newSampler(t, p, len(logits))
		for range perSeed {
			id := s.Sample(logits)
			if id < 0 || int(id) >= len(logits) {
				t.Fatalf("Sample = %d; want an id in [0, %d)", id, len(logits))
			}
			counts[id]++
		}
	}
	n := float64(seeds * perSeed)
	for i := range counts {
		counts[i] /= n
	}
	return counts
}

// checkShares fails unless ids with want 0 never appeared and every other
// share is within 5 standard deviations of want, for n draws.
func checkShares(t *testing.T, got, want []float64, n int) {
	t.Helper()
	for i := range want {
		if want[i] == 0 {
			if got[i] != 0 {
				t.Errorf("id %d drawn with share %.4f; it should not survive", i, got[i])
			}
			continue
		}
		tol := 5 * math.Sqrt(want[i]*(1-want[i])/float64(n))
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("id %d drawn with share %.4f; want %.4f ± %.4f", i, got[i], want[i], tol)
		}
	}
}

// powShares returns probs raised to 1/temp and renormalized: the draw
// distribution at temperature temp.
func powShares(temp float64, probs ...float64) []float64 {
	out := make([]float64, len(probs))
	var sum float64
	for i, p := range probs {
		if p > 0 {
			out[i] = math.Pow(p, 1/temp)
		}
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

func TestTruncation(t *testing.T) {
	// Probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1.
	probs := lnProbs(0.5, 0.3, 0.15, 0.05)
	flat := []float32{0, 0, 0, 0} // 0.25 each; exact in binary
	const seeds, perSeed = 20, 1000
	for _, tc := range []struct {
		name   string
		edit   func(*sample.Params)
		logits []float32
		want   []float64
	}{
		{"no truncation", func(*sample.Params) {}, probs,
			[]float64{0.5, 0.3, 0.15, 0.05}},
		// 0.5 < 0.75 <= 0.5+0.3: the first two survive, renormalized to 0.5/0.8, 0.3/0.8.
		{"top_p 0.75", func(p *sample.Params) { p.TopP = 0.75 }, probs,
			[]float64{0.625, 0.375, 0, 0}},
		// 0.8 < 0.82 <= 0.95: three survive.
		{"top_p 0.82", func(p *sample.Params) { p.TopP = 0.82 }, probs,
			[]float64{0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}},
		// The cumulative sum reaching p exactly keeps the token that reaches it.
		{"top_p 0.5 inclusive", func(p *sample.Params) { p.TopP = 0.5 }, flat,
			[]float64{0.5, 0.5, 0, 0}},
		{"top_p 0.5 inclusive after top_k", func(p *sample.Params) { p.TopP = 0.5; p.TopK = 3 }, flat,
			[]float64{0.5, 0.5, 0, 0}},
		{"top_p just above 0.5", func(p *sample.Params) { p.TopP = 0.5001 }, flat,
			[]float64{1.0 / 3, 1.0 / 3, 1.0 / 3, 0}},
		{"top_k 2", func(p *sample.Params) { p.TopK = 2 }, probs,
			[]float64{0.625, 0.375, 0, 0}},
		{"top_k 3", func(p *sample.Params) { p.TopK = 3 }, probs,
			[]float64{0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}},
		{"top_k ties keep lowest ids", func(p *sample.Params) { p.TopK = 3 }, flat,
			[]float64{1.0 / 3, 1.0 / 3, 1.0 / 3, 0}},
		// After top-k 3, top-p sees 0.5/0.95, 0.3/0.95, ...: 0.526 < 0.82 <= 0.842,
		// so two survive where top-p alone keeps three (llama.cpp renormalizes).
		{"top_k 3 then top_p 0.82", func(p *sample.Params) { p.TopK = 3; p.TopP = 0.82 }, probs,
			[]float64{0.625, 0.375, 0, 0}},
		// min_p 0.2 of p_max 0.5 is 0.1: 0.05 goes.
		{"min_p 0.2", func(p *sample.Params) { p.MinP = 0.2 }, probs,
			[]float64{0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}},
		// min_p 0.35 of 0.5 is 0.175: 0.15 goes too.
		{"min_p 0.35", func(p *sample.Params) { p.MinP = 0.35 }, probs,
			[]float64{0.625, 0.375, 0, 0}},
		{"min_p 1 keeps the ties at the top", func(p *sample.Params) { p.MinP = 1 },
			[]float32{1, 2, 2, 0}, []float64{0, 0.5, 0.5, 0}},
		// Top-p 0.95 keeps three, then min-p 0.35 drops the third.
		{"top_p 0.95 then min_p 0.35", func(p *sample.Params) { p.TopP = 0.95; p.MinP = 0.35 }, probs,
			[]float64{0.625, 0.375, 0, 0}},
		// Temperature 2 draws the survivors in proportion to sqrt(p).
		{"top_k 2 at temperature 2", func(p *sample.Params) { p.TopK = 2; p.Temperature = 2 }, probs,
			powShares(2, 0.5, 0.3, 0, 0)},
		// Top-p and min-p judge at temperature 1: at temperature 10 the
		// distribution is nearly flat, yet only the same two survive.
		{"top_p 0.75 at temperature 10", func(p *sample.Params) { p.TopP = 0.75; p.Temperature = 10 }, probs,
			powShares(10, 0.5, 0.3, 0, 0)},
		{"min_p 0.35 at temperature 10", func(p *sample.Params) { p.MinP = 0.35; p.Temperature = 10 }, probs,
			powShares(10, 0.5, 0.3, 0, 0)},
		{"temperature 0.5", func(p *sample.Params) { p.Temperature = 0.5 }, probs,
			powShares(0.5, 0.5, 0.3, 0.15, 0.05)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := off()
			tc.edit(&p)
			got := frequencies(t, p, tc.logits, seeds, perSeed)
			checkShares(t, got, tc.want, seeds*perSeed)
		})
	}
}

func TestMinPNeverDrawsBelowThreshold(t *testing.T) {
	logits := randomLogits(2000, 7)
	top := slices.Max(logits)
	const minP = 0.1
	threshold := float64(top) + math.Log(minP) // p >= minP*p_max ⇔ logit >= this
	p := off()
	p.MinP, p.Temperature = minP, 3 // a high temperature would favour the tail
	s := newSampler(t, p, len(logits))
	kept := 0
	for _, v := range logits {
		if float64(v) >= threshold {
			kept++
		}
	}
	if kept < 10 || kept > len(logits)/2 {
		t.Fatalf("%d of %d logits pass min-p; pick logits where min-p matters", kept, len(logits))
	}
	for range 20000 {
		id := s.Sample(logits)
		if float64(logits[id]) < threshold {
			t.Fatalf("drew id %d with logit %v below the min-p threshold %v", id, logits[id], threshold)
		}
	}
}

func TestNonFiniteLogits(t *testing.T) {
	const seeds, perSeed = 10, 1000
	p := off()
	p.Temperature = 100 // nearly flat: any leak past -Inf would show
	logits := []float32{-inf, 0, -inf, 1, nan, -inf}
	got := frequencies(t, p, logits, seeds, perSeed)
	checkShares(t, got, powShares(100, 0, 1, 0, math.E, 0, 0), seeds*perSeed)

	// Every truncation step on, and the only finite logit is far below.
	p = sample.DefaultParams()
	p.Temperature = 100
	logits = []float32{-inf, nan, -1e30, -inf}
	got = frequencies(t, p, logits, seeds, perSeed)
	checkShares(t, got, []float64{0, 0, 1, 0}, seeds*perSeed)

	// +Inf takes all the mass, shared among the +Inf ids.
	p = off()
	logits = []float32{100, inf, 50, inf}
	got = frequencies(t, p, logits, seeds, perSeed)
	checkShares(t, got, []float64{0, 0.5, 0, 0.5}, seeds*perSeed)

	// All -Inf: 0, as greedy.
	s := newSampler(t, sample.DefaultParams(), 3)
	if got := s.Sample([]float32{-inf, nan, -inf}); got != 0 {
		t.Errorf("Sample with no finite logit = %d; want 0", got)
	}
}

func TestSampleLeavesLogitsAlone(t *testing.T) {
	p := sample.DefaultParams()
	p.RepeatPenalty, p.PresencePenalty, p.FrequencyPenalty = 1.3, 0.5, 0.5
	logits := randomLogits(1000, 3)
	logits[5], logits[6], logits[7] = nan, inf, -inf
	before := make([]uint32, len(logits))
	for i, v := range logits {
		before[i] = math.Float32bits(v)
	}
	s := newSampler(t, p, len(logits))
	for i := range 50 {
		s.Accept(int32(i))
	}
	for range 10 {
		s.Accept(s.Sample(logits))
	}
	for i, v := range logits {
		if math.Float32bits(v) != before[i] {
			t.Fatalf("logits[%d] changed from %v to %v", i, math.Float32frombits(before[i]), v)
		}
	}
}

func TestRepeatPenaltySteersGreedy(t *testing.T) {
	p := off()
	p.Temperature, p.RepeatPenalty, p.RepeatLastN = 0, 1.5, 2
	logits := []float32{1, 0.9, -1}
	s := newSampler(t, p, len(logits))
	if got := s.Sample(logits); got != 0 {
		t.Fatalf("no history: Sample = %d; want 0", got)
	}
	s.Accept(0) // 1/1.5 = 0.667 < 0.9
	if got := s.Sample(logits); got != 1 {
		t.Fatalf("after Accept(0): Sample = %d; want 1", got)
	}
	s.Accept(2)
	s.Accept(2) // 0 has left the window of 2
	if got := s.Sample(logits); got != 0 {
		t.Fatalf("after 0 left the window: Sample = %d; want 0", got)
	}
	s.Accept(0)
	s.Reset()
	if got := s.Sample(logits); got != 0 {
		t.Fatalf("after Reset: Sample = %d; want 0", got)
	}
}

// generate samples n tokens from s, feeding each back through Accept.
func generate(s *sample.Sampler, logits []float32, n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = s.Sample(logits)
		s.Accept(out[i])
	}
	return out
}

func TestSeededReproducibility(t *testing.T) {
	logits := randomLogits(1000, 11)
	p := sample.DefaultParams()
	p.Temperature, p.RepeatPenalty, p.FrequencyPenalty = 1.5, 1.2, 0.1
	p.Seed = 42
	a := newSampler(t, p, len(logits))
	b := newSampler(t, p, len(logits))
	seqA, seqB := generate(a, logits, 200), generate(b, logits, 200)
	if !slices.Equal(seqA, seqB) {
		t.Fatalf("same seed, different tokens:\n%v\n%v", seqA, seqB)
	}
	a.Reset()
	if again := generate(a, logits, 200); !slices.Equal(again, seqA) {
		t.Fatalf("after Reset the sequence differs:\n%v\n%v", seqA, again)
	}
	p.Seed = 43
	if other := generate(newSampler(t, p, len(logits)), logits, 200); slices.Equal(other, seqA) {
		t.Fatalf("seeds 42 and 43 gave the same 200 tokens: %v", seqA)
	}
	distinct := map[int32]bool{}
	for _, id := range seqA {
		distinct[id] = true
	}
	if len(distinct) < 5 {
		t.Fatalf("only %d distinct tokens in 200 draws; the test logits are too peaked to tell seeds apart", len(distinct))
	}
}

func TestAcceptOutOfRange(t *testing.T) {
	p := off()
	p.Temperature, p.RepeatPenalty, p.RepeatLastN = 0, 2, -1
	s := newSampler(t, p, 3)
	for _, id := range []int32{-1, 3, 1 << 30, -1 << 31} {
		s.Accept(id)
	}
	if got := s.Sample([]float32{0, 2, 1}); got != 1 {
		t.Errorf("Sample = %d; want 1 (out-of-range history ignored)", got)
	}
}

func TestSampleDoesNotAllocate(t *testing.T) {
	const vocab = 32000
	logits := randomLogits(vocab, 5)
	topKP := sample.DefaultParams()
	topKP.TopK, topKP.TopP, topKP.MinP = 40, 0.95, 0
	onlyTopP := off()
	onlyTopP.TopP = 0.95
	penalized := sample.DefaultParams()
	penalized.RepeatPenalty, penalized.PresencePenalty, penalized.FrequencyPenalty = 1.1, 0.2, 0.1
	noTruncation := off()
	greedy := off()
	greedy.Temperature = 0
	for _, tc := range []struct {
		name string
		p    sample.Params
	}{
		{"top_k 40 top_p 0.95", topKP},
		{"top_p 0.95 only", onlyTopP},
		{"defaults with penalties", penalized},
		{"no truncation", noTruncation},
		{"greedy", greedy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSampler(t, tc.p, vocab)
			for i := range 100 { // fill and wrap the window
				s.Accept(int32(i * 7))
			}
			allocs := testing.AllocsPerRun(50, func() {
				s.Accept(s.Sample(logits))
			})
			if allocs != 0 {
				t.Errorf("Sample+Accept allocates %v times per call; want 0", allocs)
			}
		})
	}
}

func BenchmarkSample(b *testing.B) {
	onlyTopP := off()
	onlyTopP.TopP = 0.95
	greedy := off()
	greedy.Temperature = 0
	for _, vocab := range []int{32000, 128256} {
		logits := randomLogits(vocab, 9)
		for _, pc := range []struct {
			name string
			p    sample.Params
		}{
			{"default", sample.DefaultParams()},
			{"greedy", greedy},
			{"top_p", onlyTopP},
		} {
			b.Run(fmt.Sprintf("vocab=%d/params=%s", vocab, pc.name), func(b *testing.B) {
				s := newSampler(b, pc.p, vocab)
				b.SetBytes(int64(4 * vocab))
				for b.Loop() {
					s.Sample(logits)
				}
			})
		}
	}
}
