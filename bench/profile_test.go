package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// TestTop checks flat and cumulative times on a hand-made profile: main
// calls a (which calls b) and b directly; b has an inlined helper c.
func TestTop(t *testing.T) {
	fn := map[string]*profile.Function{}
	for i, name := range []string{"main", "a", "b", "c"} {
		fn[name] = &profile.Function{ID: uint64(i + 1), Name: name}
	}
	loc := func(id uint64, names ...string) *profile.Location {
		l := &profile.Location{ID: id}
		for _, n := range names {
			l.Line = append(l.Line, profile.Line{Function: fn[n]})
		}
		return l
	}
	main, a, b, cInB := loc(1, "main"), loc(2, "a"), loc(3, "b"), loc(4, "c", "b")
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			{Location: []*profile.Location{b, a, main}, Value: []int64{3, 30}},
			{Location: []*profile.Location{cInB, main}, Value: []int64{5, 50}},
			{Location: []*profile.Location{a, main}, Value: []int64{1, 10}},
			{Location: []*profile.Location{b, main}, Value: []int64{2, 20}},
		},
	}
	fs, total := Top(p, 10)
	if total != 110 {
		t.Errorf("total %v, want 110ns", total)
	}
	want := []FuncTime{{"b", 50, 100}, {"c", 50, 50}, {"a", 10, 40}, {"main", 0, 110}}
	if len(fs) != len(want) {
		t.Fatalf("got %v, want %v", fs, want)
	}
	for i := range want {
		if fs[i] != want[i] {
			t.Errorf("%d: %+v, want %+v", i, fs[i], want[i])
		}
	}
	if fs, _ := Top(p, 2); len(fs) != 2 {
		t.Errorf("top 2 gave %d", len(fs))
	}
}

//go:noinline
func spin(d time.Duration) uint64 {
	x := uint64(1)
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 1000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

func TestProfiler(t *testing.T) {
	var p Profiler
	if _, err := p.Profile(); err == nil {
		t.Error("an empty profiler gave a profile")
	}
	for range 2 {
		if err := p.Start(); err != nil {
			t.Skipf("cannot profile: %v", err) // as under go test -cpuprofile
		}
		spin(150 * time.Millisecond)
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	prof, err := p.Profile()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTop(&b, prof, 15); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "sovra/bench.spin") {
		t.Errorf("top functions lack spin:\n%s", b.String())
	}
	// The merged profile is a valid pprof file.
	var out bytes.Buffer
	if err := prof.Write(&out); err != nil {
		t.Fatal(err)
	}
	if _, err := profile.Parse(&out); err != nil {
		t.Fatal(err)
	}
}
