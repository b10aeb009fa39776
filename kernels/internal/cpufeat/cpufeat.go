// Package cpufeat reports the CPU features sovra's SIMD kernels use, read
// once from golang.org/x/sys/cpu, and groups them into the implementation
// levels the kernels are written for:
//
//	amd64  generic < avx2 (AVX2, FMA, F16C) < avx512 (avx2 plus AVX-512
//	       F, BW, VL and VNNI)
//	arm64  generic < neon (ASIMD) < dotprod (ASIMD and ASIMDDP)
//
// The environment variable SOVRA_CPU caps the level at start-up:
// SOVRA_CPU=generic turns every SIMD kernel off, SOVRA_CPU=avx2 allows at
// most the avx2 kernels, SOVRA_CPU=avx512 (or neon, dotprod) allows up to
// that level. A level the CPU lacks is never turned on; an unknown value is
// reported with log/slog and ignored.
//
// The Disable functions turn features off for tests and return a func that
// turns them back on, so that every fallback path runs on the best CPU.
// Kernel packages do not read the flags on every call: they register their
// implementations with kernels/internal/impl, which re-derives each
// implementation's availability whenever the flags change here.
package cpufeat

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/cpu"
)

// X86 holds the amd64 features, after SOVRA_CPU and any Disable call. All
// fields are false on other architectures.
var X86 struct {
	AVX2, FMA, F16C, BMI2                         bool
	AVX512F, AVX512BW, AVX512VL, AVX512VNNI, VBMI bool
}

// ARM64 holds the arm64 features, after SOVRA_CPU and any Disable call. All
// fields are false on other architectures.
var ARM64 struct {
	ASIMD, ASIMDDP bool
}

// Level is an implementation level: a named set of features that a kernel
// variant requires.
type Level int

// The levels, in increasing order on each architecture. A kernel written for
// a level may use every feature of that level and of the ones below it on
// the same architecture.
const (
	Generic Level = iota // plain Go, every architecture
	AVX2                 // amd64: AVX2, FMA, F16C
	AVX512               // amd64: AVX2 level plus AVX-512 F, BW, VL, VNNI
	NEON                 // arm64: ASIMD
	DotProd              // arm64: ASIMD and ASIMDDP (SDOT/UDOT)
)

var levelNames = map[Level]string{Generic: "generic", AVX2: "avx2", AVX512: "avx512", NEON: "neon", DotProd: "dotprod"}

// String returns the level's name as SOVRA_CPU spells it.
func (l Level) String() string {
	if s, ok := levelNames[l]; ok {
		return s
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// ParseLevel returns the level named s (case-insensitive, surrounding space
// ignored). "asimd" is accepted for neon.
func ParseLevel(s string) (Level, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "asimd" {
		return NEON, nil
	}
	for l, name := range levelNames {
		if s == name {
			return l, nil
		}
	}
	return 0, fmt.Errorf("cpufeat: unknown CPU level %q (want generic, avx2, avx512, neon or dotprod)", s)
}

// Has reports whether the CPU, as currently allowed, supports every feature
// of level l. Generic is always supported.
func Has(l Level) bool {
	switch l {
	case Generic:
		return true
	case AVX2:
		return X86.AVX2 && X86.FMA && X86.F16C
	case AVX512:
		return Has(AVX2) && X86.AVX512F && X86.AVX512BW && X86.AVX512VL && X86.AVX512VNNI
	case NEON:
		return ARM64.ASIMD
	case DotProd:
		return ARM64.ASIMD && ARM64.ASIMDDP
	}
	return false
}

// Best returns the highest level Has reports on this architecture.
func Best() Level {
	for _, l := range []Level{AVX512, AVX2, DotProd, NEON} {
		if Has(l) {
			return l
		}
	}
	return Generic
}

// detect sets the flags from golang.org/x/sys/cpu.
func detect() {
	X86.AVX2 = cpu.X86.HasAVX2
	X86.FMA = cpu.X86.HasFMA
	X86.F16C = cpu.X86.HasF16C
	X86.BMI2 = cpu.X86.HasBMI2
	// HasAVX512 includes the check that the OS saves the AVX-512 state.
	avx512 := cpu.X86.HasAVX512 && cpu.X86.HasAVX512F
	X86.AVX512F = avx512
	X86.AVX512BW = avx512 && cpu.X86.HasAVX512BW
	X86.AVX512VL = avx512 && cpu.X86.HasAVX512VL
	X86.AVX512VNNI = avx512 && cpu.X86.HasAVX512VNNI
	X86.VBMI = avx512 && cpu.X86.HasAVX512VBMI
	ARM64.ASIMD = cpu.ARM64.HasASIMD
	ARM64.ASIMDDP = cpu.ARM64.HasASIMDDP
}

func init() {
	detect()
	if s, ok := os.LookupEnv("SOVRA_CPU"); ok && s != "" {
		l, err := ParseLevel(s)
		if err != nil {
			slog.Warn("ignoring SOVRA_CPU", "err", err)
			return
		}
		capAt(l)
	}
}

// capAt turns off every feature above level l. Levels of the other
// architecture do not constrain this one: SOVRA_CPU=avx2 on arm64 keeps
// NEON, but generic turns everything off.
func capAt(l Level) {
	switch l {
	case Generic:
		disableX86(AVX2)
		disableARM64(NEON)
	case AVX2:
		disableX86(AVX512)
	case NEON:
		disableARM64(DotProd)
	}
}

// disableX86 clears the features that level l (AVX2 or AVX512) adds, and
// those of the levels above it.
func disableX86(l Level) {
	if l <= AVX2 {
		X86.AVX2, X86.FMA, X86.F16C, X86.BMI2 = false, false, false, false
	}
	X86.AVX512F, X86.AVX512BW, X86.AVX512VL, X86.AVX512VNNI, X86.VBMI = false, false, false, false, false
}

// disableARM64 clears the features that level l (NEON or DotProd) adds, and
// those of the levels above it.
func disableARM64(l Level) {
	if l <= NEON {
		ARM64.ASIMD = false
	}
	ARM64.ASIMDDP = false
}

var (
	mu        sync.Mutex
	listeners []func()
)

// OnChange registers f to run after every Disable call and every restore.
// kernels/internal/impl uses it to re-derive which implementations are
// available; f must not call back into Disable.
func OnChange(f func()) {
	mu.Lock()
	defer mu.Unlock()
	listeners = append(listeners, f)
}

func changed() {
	mu.Lock()
	ls := listeners
	mu.Unlock()
	for _, f := range ls {
		f()
	}
}

// disable applies off to the flags and returns a func that puts back the
// flags as they were before.
func disable(off func()) (restore func()) {
	x, a := X86, ARM64
	off()
	changed()
	return func() {
		X86, ARM64 = x, a
		changed()
	}
}

// DisableAVX512 turns off the AVX-512 features until restore is called.
func DisableAVX512() (restore func()) { return disable(func() { disableX86(AVX512) }) }

// DisableAVX2 turns off AVX2, FMA, F16C, BMI2 and every AVX-512 feature
// until restore is called.
func DisableAVX2() (restore func()) { return disable(func() { disableX86(AVX2) }) }

// DisableDotProd turns off ASIMDDP until restore is called.
func DisableDotProd() (restore func()) { return disable(func() { disableARM64(DotProd) }) }

// DisableNEON turns off ASIMD and ASIMDDP until restore is called.
func DisableNEON() (restore func()) { return disable(func() { disableARM64(NEON) }) }

// DisableAbove turns off every feature above level l, as SOVRA_CPU=l does
// at start-up, until restore is called.
func DisableAbove(l Level) (restore func()) { return disable(func() { capAt(l) }) }
