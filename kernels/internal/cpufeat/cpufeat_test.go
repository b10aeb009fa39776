package cpufeat

import (
	"runtime"
	"testing"
)

func TestParseLevel(t *testing.T) {
	for s, want := range map[string]Level{
		"generic": Generic, "AVX2": AVX2, " avx512\n": AVX512,
		"neon": NEON, "asimd": NEON, "DotProd": DotProd,
	} {
		if got, err := ParseLevel(s); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "sse4", "avx-512", "avx512f"} {
		if _, err := ParseLevel(s); err == nil {
			t.Errorf("ParseLevel(%q) succeeded", s)
		}
	}
	for l := Generic; l <= DotProd; l++ {
		if got, err := ParseLevel(l.String()); err != nil || got != l {
			t.Errorf("ParseLevel(%v.String()) = %v, %v", l, got, err)
		}
	}
}

func TestLevels(t *testing.T) {
	t.Logf("best level %v; X86 %+v; ARM64 %+v", Best(), X86, ARM64)
	if !Has(Generic) {
		t.Error("Has(Generic) = false")
	}
	if Has(AVX512) && !Has(AVX2) {
		t.Error("avx512 without avx2")
	}
	if Has(DotProd) && !Has(NEON) {
		t.Error("dotprod without neon")
	}
	if runtime.GOARCH != "amd64" && (Has(AVX2) || Has(AVX512)) {
		t.Errorf("x86 levels on %s", runtime.GOARCH)
	}
	if runtime.GOARCH != "arm64" && (Has(NEON) || Has(DotProd)) {
		t.Errorf("arm64 levels on %s", runtime.GOARCH)
	}
}

func TestDisable(t *testing.T) {
	best := Best()
	calls := 0
	OnChange(func() { calls++ })
	for _, c := range []struct {
		name    string
		disable func() func()
		off     []Level // levels that must be off afterwards
	}{
		{"DisableAVX512", DisableAVX512, []Level{AVX512}},
		{"DisableAVX2", DisableAVX2, []Level{AVX2, AVX512}},
		{"DisableDotProd", DisableDotProd, []Level{DotProd}},
		{"DisableNEON", DisableNEON, []Level{NEON, DotProd}},
		{"DisableAbove(generic)", func() func() { return DisableAbove(Generic) }, []Level{AVX2, AVX512, NEON, DotProd}},
		{"DisableAbove(avx2)", func() func() { return DisableAbove(AVX2) }, []Level{AVX512}},
		{"DisableAbove(neon)", func() func() { return DisableAbove(NEON) }, []Level{DotProd}},
	} {
		calls = 0
		restore := c.disable()
		for _, l := range c.off {
			if Has(l) {
				t.Errorf("%s: %v still on", c.name, l)
			}
		}
		if c.name == "DisableAbove(avx2)" && best == AVX512 && !Has(AVX2) {
			t.Errorf("%s turned avx2 off", c.name)
		}
		restore()
		if Best() != best {
			t.Errorf("%s: after restore the best level is %v, want %v", c.name, Best(), best)
		}
		if calls != 2 {
			t.Errorf("%s: OnChange ran %d times, want 2", c.name, calls)
		}
	}
}
