package cpu

import "sovra/kernels/quant"

// Weights whose type has a packed layout on this CPU (quant.Packable) are
// repacked on their first matrix product: the tile kernels then read each
// tile of rows as one stream, already transposed, which is what makes
// decoding run at the speed of memory. The packed copy is as large as the
// weight; once it is made, the pages of the mapped GGUF bytes are given back
// to the kernel (releasePages), so that the process holds each weight once.
// A weight that is never multiplied (an embedding table) is never packed.

// packed returns w in the packed layout, making it on first use, or nil if
// w stays in the GGUF layout.
func (b *Backend) packed(w *tensor) []byte {
	if w.packed != nil || w.f32 != nil || len(w.shape) != 2 || !quant.Packable(w.dtype, w.cols()) {
		return w.packed
	}
	size, err := quant.PackedBytes(w.dtype, w.cols(), w.rows())
	if err != nil {
		return nil // cannot happen: the row size was checked by NewWeight
	}
	w.packed = make([]byte, size)
	hugePages(w.packed)
	b.pool.run(&packTask{w: w})
	releasePages(w.raw)
	return w.packed
}

// packTask packs a weight, a share of its tiles on each thread.
type packTask struct{ w *tensor }

func (t *packTask) runPart(part, parts int) {
	w := t.w
	lo, hi := tileSpan(w.rows(), part, parts)
	if lo == hi {
		return
	}
	size, _ := quant.PackedBytes(w.dtype, w.cols(), hi-lo)
	quant.Pack(w.dtype, w.cols(), w.packed[lo*w.rowB:lo*w.rowB+size], w.raw[lo*w.rowB:hi*w.rowB], hi-lo)
}

// tileSpan is span over whole tiles of quant.PackRows rows: the part-th
// share of rows [0, n), starting at a tile.
func tileSpan(n, part, parts int) (lo, hi int) {
	tiles := (n + quant.PackRows - 1) / quant.PackRows
	lo, hi = span(tiles, part, parts)
	return lo * quant.PackRows, min(hi*quant.PackRows, n)
}
