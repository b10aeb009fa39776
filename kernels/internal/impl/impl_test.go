package impl

import (
	"slices"
	"testing"

	"sovra/kernels/internal/cpufeat"
)

// forget removes pkg from the registry when t ends, so that the tests can
// run more than once in a process (-count, -cpu).
func forget(t *testing.T, pkg string) {
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		delete(registry, pkg)
		delete(selected, pkg)
	})
}

func TestRegistry(t *testing.T) {
	forget(t, "impltest")
	var useA, useB, useC bool
	Register("impltest", "a", cpufeat.Generic, &useA) // always available
	Register("impltest", "b", cpufeat.Generic, &useB)
	// A level no CPU has at the same time as the one above: on amd64 the
	// arm64 level, elsewhere the amd64 one.
	never := cpufeat.DotProd
	if cpufeat.Has(never) {
		never = cpufeat.AVX512
	}
	Register("impltest", "c", never, &useC)

	if !useA || !useB || useC {
		t.Fatalf("after Register: a, b, c = %v, %v, %v; want true, true, false", useA, useB, useC)
	}
	if got, want := List("impltest"), []string{"generic", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
	if got, want := All("impltest"), []string{"generic", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("All = %v, want %v", got, want)
	}
	if got := Active("impltest"); got != "b" {
		t.Errorf("Active = %s, want b", got)
	}

	restore, err := Select("impltest", "a")
	if err != nil {
		t.Fatal(err)
	}
	if !useA || useB || Active("impltest") != "a" {
		t.Errorf("Select(a): a, b = %v, %v, active %s", useA, useB, Active("impltest"))
	}
	restoreG, err := Select("impltest", Generic)
	if err != nil {
		t.Fatal(err)
	}
	if useA || useB || Active("impltest") != Generic {
		t.Errorf("Select(generic): a, b = %v, %v", useA, useB)
	}
	restoreG()
	if !useA || useB {
		t.Errorf("undoing Select(generic) did not bring back Select(a): a, b = %v, %v", useA, useB)
	}
	restore()
	if !useA || !useB {
		t.Errorf("after restore: a, b = %v, %v", useA, useB)
	}

	if _, err := Select("impltest", "c"); err == nil {
		t.Error("Select of an unavailable implementation succeeded")
	}
	if _, err := Select("impltest", "zzz"); err == nil {
		t.Error("Select of an unknown implementation succeeded")
	}
}

// TestFollowsCPUFeatures checks that disabling a level in cpufeat turns off
// the implementations that need it, and that restoring brings them back.
func TestFollowsCPUFeatures(t *testing.T) {
	best := cpufeat.Best()
	if best == cpufeat.Generic {
		t.Skip("no SIMD level on this CPU")
	}
	forget(t, "impltest2")
	var use bool
	Register("impltest2", "best", best, &use)
	if !use {
		t.Fatal("not available after Register")
	}
	restore := cpufeat.DisableAbove(cpufeat.Generic)
	if use || Active("impltest2") != Generic || len(List("impltest2")) != 1 {
		t.Errorf("with SIMD disabled: use = %v, active %s, list %v", use, Active("impltest2"), List("impltest2"))
	}
	restore()
	if !use {
		t.Error("not available again after restore")
	}
}
