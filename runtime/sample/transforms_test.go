package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var inf = float32(math.Inf(1))

func TestPenalize(t *testing.T) {
	logits := []float32{2, -1, 0.5, 3, -2, 0, -inf}
	history := []int32{0, 1, 1, 4, 5, 6}
	// All values are binary fractions, so the expectations are exact.
	for _, tc := range []struct {
		name                        string
		repeat, presence, frequency float32
		lastN                       int
		want                        []float32
	}{
		// Positive logits divided, the rest (0 included) multiplied; -Inf stays.
		{"repeat 2, whole history", 2, 0, 0, -1,
			[]float32{1, -2, 0.5, 3, -4, 0, -inf}},
		// id 1 occurs twice: -1 - 0.5 - 2*0.25.
		{"presence 0.5 frequency 0.25", 1, 0.5, 0.25, -1,
			[]float32{1.25, -2, 0.5, 3, -2.75, -0.75, -inf}},
		{"all three", 2, 0.5, 0.25, -1,
			[]float32{0.25, -3, 0.5, 3, -4.75, -0.75, -inf}},
		// The window is the last 4 tokens, 1 4 5 6: id 0 is spared, id 1 counted once.
		{"window of 4", 2, 0.5, 0.25, 4,
			[]float32{2, -2.75, 0.5, 3, -4.75, -0.75, -inf}},
		{"window beyond history", 2, 0, 0, 100,
			[]float32{1, -2, 0.5, 3, -4, 0, -inf}},
		{"repeat 0 is off", 0, 0.5, 0, -1,
			[]float32{1.5, -1.5, 0.5, 3, -2.5, -0.5, -inf}},
		{"negative presence rewards", 1, -1, 0, -1,
			[]float32{3, 0, 0.5, 3, -1, 1, -inf}},
		{"last_n 0 is off", 2, 0.5, 0.25, 0, logits},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Params{Temperature: 1, TopP: 1, RepeatPenalty: tc.repeat, RepeatLastN: tc.lastN,
				PresencePenalty: tc.presence, FrequencyPenalty: tc.frequency}
			s, err := New(p, len(logits))
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range history {
				s.Accept(id)
			}
			got := s.prepare(logits)
			if !slices.Equal(got, tc.want) {
				t.Errorf("penalized logits = %v; want %v", got, tc.want)
			}
			for id, n := range s.counts {
				if n != 0 {
					t.Fatalf("counts[%d] = %d after penalize; want all zero", id, n)
				}
			}
		})
	}
}

func TestPenaltyWindowWraps(t *testing.T) {
	p := Params{Temperature: 1, TopP: 1, RepeatPenalty: 2, RepeatLastN: 3}
	s, err := New(p, 10)
	if err != nil {
		t.Fatal(err)
	}
	for id := range int32(8) {
		s.Accept(id) // the window ends as 5 6 7
	}
	logits := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	want := []float32{1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 1, 1}
	if got := s.prepare(logits); !slices.Equal(got, want) {
		t.Errorf("after accepting 0..7 with a window of 3: %v; want %v", got, want)
	}
	s.Reset()
	if got := s.prepare(logits); !slices.Equal(got, logits) {
		t.Errorf("after Reset: %v; want no penalty %v", got, logits)
	}
}

func TestPenaltyStaysFinite(t *testing.T) {
	p := Params{Temperature: 1, TopP: 1, RepeatPenalty: 1e38, RepeatLastN: -1,
		PresencePenalty: -3e38, FrequencyPenalty: -3e38}
	s, err := New(p, 3)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		s.Accept(0)
		s.Accept(1)
	}
	// 3e38/1e38 + 33e38 overflows up; -3e38*1e38 overflows down whatever is added.
	got := s.prepare([]float32{3e38, -3e38, 0})
	want := []float32{math.MaxFloat32, -math.MaxFloat32, 0}
	if !slices.Equal(got, want) {
		t.Errorf("penalized logits = %v; want %v", got, want)
	}
	p.PresencePenalty, p.FrequencyPenalty = 3e38, 3e38
	s, _ = New(p, 3)
	s.Accept(0)
	s.Accept(1)
	got = s.prepare([]float32{3e38, -3e38, 0})
	want = []float32{-math.MaxFloat32, -math.MaxFloat32, 0}
	if !slices.Equal(got, want) {
		t.Errorf("penalized logits = %v; want %v", got, want)
	}
}

// sortedCandidates returns the finite logits of x as candidates in order of
// likelihood: the reference the selections are checked against.
func sortedCandidates(x []float32) []candidate {
	c := finite(make([]candidate, len(x)), x)
	slices.SortFunc(c, byLikelihood)
	return c
}

// testLogits returns n logits rounded to halves, so that ties are common,
// with about a tenth at -Inf.
func testLogits(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Round(r.NormFloat64()*6) / 2)
		if r.IntN(10) == 0 {
			x[i] = negInf
		}
	}
	return x
}

func TestTopKMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 10, 100, 1000, 5000} {
		x := testLogits(r, n)
		want := sortedCandidates(x)
		for _, k := range []int{1, 2, 3, 7, 40, n - 1, n} {
			if k < 1 || k > n {
				continue
			}
			got := topK(make([]candidate, n), x, k)
			if !slices.Equal(got, want[:min(k, len(want))]) {
				t.Fatalf("n=%d k=%d: topK = %v; want %v", n, k, got, want[:min(k, len(want))])
			}
		}
	}
}

func ids(c []candidate) []int32 {
	out := make([]int32, len(c))
	for i, x := range c {
		out[i] = x.id
	}
	slices.Sort(out)
	return out
}

func TestTopPPartitionMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 5, 17, 18, 100, 1000, 20000} {
		for range 5 {
			x := testLogits(r, n)
			for _, p := range []float32{0.01, 0.3, 0.5, 0.9, 0.95, 0.999, 0.9999999} {
				sorted := sortedCandidates(x)
				if len(sorted) == 0 {
					continue
				}
				softmax(sorted)
				want := ids(topP(sorted, p, true))

				unsorted := finite(make([]candidate, n), x)
				r.Shuffle(len(unsorted), func(i, j int) { unsorted[i], unsorted[j] = unsorted[j], unsorted[i] })
				softmax(unsorted)
				got := ids(topP(unsorted, p, false))
				if !slices.Equal(got, want) {
					t.Fatalf("n=%d p=%v: partitioned top-p kept %d ids, sorted kept %d", n, p, len(got), len(want))
				}
			}
		}
	}
}

func TestTopPHand(t *testing.T) {
	// Probabilities 0.5 0.25 0.125 0.125, exact in binary.
	c := []candidate{{id: 3, p: 0.125}, {id: 0, p: 0.5}, {id: 2, p: 0.125}, {id: 1, p: 0.25}}
	for i := range c {
		c[i].logit = float32(math.Log2(float64(c[i].p)))
	}
	for _, tc := range []struct {
		p    float32
		want []int32
	}{
		{0.1, []int32{0}},
		{0.5, []int32{0}},
		{0.6, []int32{0, 1}},
		{0.75, []int32{0, 1}},
		{0.8, []int32{0, 1, 2}}, // 2 and 3 tie; the lower id wins
		{0.875, []int32{0, 1, 2}},
		{0.9, []int32{0, 1, 2, 3}},
	} {
		for _, sorted := range []bool{false, true} {
			in := slices.Clone(c)
			if sorted {
				slices.SortFunc(in, byLikelihood)
			}
			if got := ids(topP(in, tc.p, sorted)); !slices.Equal(got, tc.want) {
				t.Errorf("topP(p=%v, sorted=%v) kept %v; want %v", tc.p, sorted, got, tc.want)
			}
		}
	}
}

func TestTopPFlatBoundary(t *testing.T) {
	// 32 equal logits, 1/32 each: p 0.5 is reached exactly by the 16 lowest
	// ids. The first median-of-three pivot is id 16, so the partitioned path
	// meets the boundary at a pivot.
	c := make([]candidate, 32)
	for i := range c {
		c[i] = candidate{id: int32(i)}
	}
	softmax(c)
	want := make([]int32, 16)
	for i := range want {
		want[i] = int32(i)
	}
	for _, sorted := range []bool{false, true} {
		if got := ids(topP(slices.Clone(c), 0.5, sorted)); !slices.Equal(got, want) {
			t.Errorf("topP(flat 32, p=0.5, sorted=%v) kept %v; want %v", sorted, got, want)
		}
	}
}

func TestMinPHand(t *testing.T) {
	// Logits ln(0.5), ln(0.3), ln(0.15), ln(0.05): the ratios to p_max are 1, 0.6, 0.3, 0.1.
	c := []candidate{
		{id: 0, logit: float32(math.Log(0.5))},
		{id: 1, logit: float32(math.Log(0.3))},
		{id: 2, logit: float32(math.Log(0.15))},
		{id: 3, logit: float32(math.Log(0.05))},
	}
	for _, tc := range []struct {
		minP float32
		want []int32
	}{
		{0.05, []int32{0, 1, 2, 3}},
		{0.2, []int32{0, 1, 2}},
		{0.5, []int32{0, 1}},
		{0.7, []int32{0}},
		{1, []int32{0}},
	} {
		if got := ids(minP(slices.Clone(c), tc.minP)); !slices.Equal(got, tc.want) {
			t.Errorf("minP(%v) kept %v; want %v", tc.minP, got, tc.want)
		}
	}
}

func TestSoftmax(t *testing.T) {
	c := []candidate{{logit: 0}, {logit: float32(math.Log(3))}, {logit: -inf}, {logit: math.MaxFloat32 / 2}}
	softmax(c[:3])
	want := []float32{0.25, 0.75, 0}
	for i, w := range want {
		if math.Abs(float64(c[i].p-w)) > 1e-7 {
			t.Errorf("p[%d] = %v; want %v", i, c[i].p, w)
		}
	}
	softmax(c)
	if c[3].p != 1 || c[0].p != 0 {
		t.Errorf("softmax with a huge logit = %v; want all mass on it", c)
	}
}
