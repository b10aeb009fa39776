// Package impl is the registry of the SIMD implementations of sovra's
// kernels, so that tests can enumerate them and run each one on the same
// machine (modelled on the standard library's crypto/internal/impl).
//
// A kernel package keeps one bool per implementation ("use this variant")
// and reads it when it dispatches. In init it registers each bool with the
// cpufeat level the variant needs; the registry sets the bool to whether
// that level is available, and sets it again whenever cpufeat's flags change
// (SOVRA_CPU at start-up, cpufeat.Disable* in tests). The pure-Go reference
// is always available under the name "generic" and needs no registration.
//
// Dispatch reads plain bools, so it costs one predictable branch and never
// allocates. Select and Reset are for tests; they are not safe to call
// while kernels of the same package run on other goroutines.
package impl

import (
	"fmt"
	"slices"
	"sync"

	"sovra/kernels/internal/cpufeat"
)

// Generic is the name of the pure-Go reference implementation.
const Generic = "generic"

type entry struct {
	name  string
	level cpufeat.Level
	use   *bool
}

var (
	mu       sync.Mutex
	registry = map[string][]*entry{} // by package, in registration order
	selected = map[string]string{}   // package -> name chosen by Select
)

func init() { cpufeat.OnChange(refresh) }

// Register records that package pkg has an implementation called name
// (such as "avx2") that needs level, and that the package dispatches to it
// while *use is true. Register sets *use to cpufeat.Has(level). It panics
// if pkg already registered name.
func Register(pkg, name string, level cpufeat.Level, use *bool) {
	mu.Lock()
	defer mu.Unlock()
	for _, e := range registry[pkg] {
		if e.name == name {
			panic(fmt.Sprintf("impl: %s registers %q twice", pkg, name))
		}
	}
	if name == Generic {
		panic("impl: " + Generic + " is implicit")
	}
	registry[pkg] = append(registry[pkg], &entry{name, level, use})
	apply(pkg)
}

// apply sets the use flags of pkg: each to its level's availability, or, if
// Select chose an implementation, only that one (none for generic).
func apply(pkg string) {
	sel, ok := selected[pkg]
	for _, e := range registry[pkg] {
		*e.use = cpufeat.Has(e.level) && (!ok || e.name == sel)
	}
}

func refresh() {
	mu.Lock()
	defer mu.Unlock()
	for pkg := range registry {
		apply(pkg)
	}
}

// List returns the implementations of pkg that this CPU can run now:
// "generic" first, then the registered ones in registration order.
func List(pkg string) []string {
	mu.Lock()
	defer mu.Unlock()
	names := []string{Generic}
	for _, e := range registry[pkg] {
		if cpufeat.Has(e.level) {
			names = append(names, e.name)
		}
	}
	return names
}

// All returns every implementation pkg registered, whether or not this CPU
// can run it, "generic" first.
func All(pkg string) []string {
	mu.Lock()
	defer mu.Unlock()
	names := []string{Generic}
	for _, e := range registry[pkg] {
		names = append(names, e.name)
	}
	return names
}

// Active returns the implementation pkg dispatches to when several are
// available: the last registered one whose flag is set, or "generic".
// Packages register their variants from the least to the most capable and
// prefer the most capable one, so this is the variant their kernels use.
func Active(pkg string) string {
	mu.Lock()
	defer mu.Unlock()
	rs := registry[pkg]
	for i := len(rs) - 1; i >= 0; i-- {
		if *rs[i].use {
			return rs[i].name
		}
	}
	return Generic
}

// Select makes pkg dispatch to the implementation name only (for "generic",
// to none of the registered ones) and returns a func that undoes it. It
// returns an error if name is unknown or this CPU cannot run it.
func Select(pkg, name string) (restore func(), err error) {
	mu.Lock()
	defer mu.Unlock()
	if name != Generic {
		i := slices.IndexFunc(registry[pkg], func(e *entry) bool { return e.name == name })
		if i < 0 {
			return nil, fmt.Errorf("impl: %s has no implementation %q", pkg, name)
		}
		if e := registry[pkg][i]; !cpufeat.Has(e.level) {
			return nil, fmt.Errorf("impl: %s/%s needs %v, which this CPU lacks (or it is disabled)", pkg, name, e.level)
		}
	}
	prev, had := selected[pkg]
	selected[pkg] = name
	apply(pkg)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if had {
			selected[pkg] = prev
		} else {
			delete(selected, pkg)
		}
		apply(pkg)
	}, nil
}
