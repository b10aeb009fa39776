// Package kerneltest holds helpers for the tests of sovra's kernels: running
// a test under every implementation of a package (kernels/internal/impl) and
// placing inputs against inaccessible guard pages, so that a kernel that
// reads outside its slices faults instead of passing.
package kerneltest

import (
	"os"
	"testing"

	"sovra/kernels/internal/impl"
)

// Flagship reports whether this run is on the CI machine that must exercise
// every implementation (KERNELS_FLAGSHIP=1): there an implementation the
// CPU cannot run is a test failure, not a skip.
func Flagship() bool { return os.Getenv("KERNELS_FLAGSHIP") == "1" }

// ForAllImpls runs f as a subtest "impl=<name>" once for each implementation
// pkg registered, and for "generic", with that implementation selected. An
// implementation this CPU cannot run is skipped (it fails under Flagship).
// The selection is undone when each subtest ends; tests that use ForAllImpls
// must not call t.Parallel.
func ForAllImpls(t *testing.T, pkg string, f func(t *testing.T, name string)) {
	t.Helper()
	for _, name := range impl.All(pkg) {
		t.Run("impl="+name, func(t *testing.T) {
			restore, err := impl.Select(pkg, name)
			if err != nil {
				if Flagship() {
					t.Fatalf("KERNELS_FLAGSHIP=1 but %v", err)
				}
				t.Skip(err)
			}
			t.Cleanup(restore)
			f(t, name)
		})
	}
}

// Select selects implementation name of pkg for the rest of the test or
// benchmark, like ForAllImpls does for one subtest. It skips tb when the CPU
// cannot run name (and fails under Flagship).
func Select(tb testing.TB, pkg, name string) {
	tb.Helper()
	restore, err := impl.Select(pkg, name)
	if err != nil {
		if Flagship() {
			tb.Fatalf("KERNELS_FLAGSHIP=1 but %v", err)
		}
		tb.Skip(err)
	}
	tb.Cleanup(restore)
}
