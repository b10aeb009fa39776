package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sovra/kernels/internal/impl"
	"sovra/kernels/internal/kerneltest"
)

var benchSizes = []int{64, 4096}

var sinkF32 float32

func BenchmarkDot(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, name := range impl.All("vec") {
		b.Run("impl="+name, func(b *testing.B) {
			kerneltest.Select(b, "vec", name)
			for _, n := range benchSizes {
				x, y := randFloats(r, n), randFloats(r, n)
				b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
					b.SetBytes(int64(8 * n))
					for b.Loop() {
						sinkF32 = Dot(x, y)
					}
				})
			}
		})
	}
}

func BenchmarkAxpy(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, name := range impl.All("vec") {
		b.Run("impl="+name, func(b *testing.B) {
			kerneltest.Select(b, "vec", name)
			for _, n := range benchSizes {
				x, y := randFloats(r, n), randFloats(r, n)
				b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
					b.SetBytes(int64(12 * n))
					for b.Loop() {
						Axpy(y, 1e-3, x)
					}
				})
			}
		})
	}
}
