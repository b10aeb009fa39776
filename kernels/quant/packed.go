package quant

import (
	"encoding/binary"
	"fmt"
)

// The packed layout of a weight matrix: what the AVX-512 tile kernels of
// DotPacked read, so that a tile of weight rows comes from memory in one
// stream, already transposed. A GGUF matrix stores its rows one after the
// other; the packed layout stores tiles of PackRows rows, and within a
// tile, block by block, the PackRows rows' blocks interleaved:
//
//   - if the block has an f16 field that the kernel needs on its own (the
//     scale d of Q4_0, Q5_0, Q8_0, Q6_K and Q3_K), the PackRows values of
//     that field first, row i's at 2i;
//   - then the rest of the block (Q4_K, Q5_K, Q2_K, Q4_1, Q5_1: all of
//     it, an f16 pair (d, m) or (d, dmin) as one dword) by dwords: dword g of the
//     PackRows rows in 4·PackRows consecutive bytes, row i's at 4i. The
//     dwords need not be aligned in the block (Q5_0: from byte 2).
//
// So a tile's block takes PackRows times a block's bytes, and a tile
// PackRows times a row's: row r, a multiple of PackRows, starts r times
// the row size into the packed matrix, as in the GGUF layout. The last
// tile is padded with zero rows. Packing moves bytes and changes none, so
// the packed kernels compute what the GGUF kernels compute.
const PackRows = 16

// packFormat is where the fields of a block go in the packed layout: the
// offset of the f16 field stored apart (-1: none), and the offset and
// number of the dwords stored by dword.
type packFormat struct{ half, first, dwords int }

// packFormats are the packed types' formats.
var packFormats = map[Type]packFormat{
	Q4_0: {half: 0, first: 2, dwords: 4},
	Q8_0: {half: 0, first: 2, dwords: 8},
	Q4_K: {half: -1, first: 0, dwords: 36},
	Q6_K: {half: 208, first: 0, dwords: 52},
	Q5_K: {half: -1, first: 0, dwords: 44},
	Q5_0: {half: 0, first: 2, dwords: 5},
	Q4_1: {half: -1, first: 0, dwords: 5},
	Q5_1: {half: -1, first: 0, dwords: 6},
	Q2_K: {half: -1, first: 0, dwords: 21},
	Q3_K: {half: 108, first: 0, dwords: 27},
}

// Packable reports whether DotPacked has a kernel for weights of type t in
// rows of n elements on this CPU (with the current implementation, see
// kernels/internal/impl): if not, a matrix of them stays in the GGUF
// layout and goes through DotRows.
func Packable(t Type, n int) bool {
	if _, ok := packFormats[t]; !ok || n <= 0 || n%t.BlockSize() != 0 {
		return false
	}
	return packedKernel(t, n)
}

// PackedBytes is the size of rows rows of n elements of type t in the
// packed layout: the rows rounded up to whole tiles.
func PackedBytes(t Type, n, rows int) (int, error) {
	rb, err := t.RowBytes(n)
	if err != nil {
		return 0, err
	}
	return (rows + PackRows - 1) / PackRows * PackRows * rb, nil
}

// Pack writes the rows rows of n elements of type t in w (GGUF layout) to
// dst in the packed layout, PackedBytes(t, n, rows) bytes, padding included.
// It panics if t has no packed layout or the sizes do not agree.
func Pack(t Type, n int, dst, w []byte, rows int) {
	f, ok := packFormats[t]
	rb, err := t.RowBytes(n)
	size, _ := PackedBytes(t, n, rows)
	if !ok || err != nil || len(w) != rows*rb || len(dst) != size {
		panic(fmt.Sprintf("quant: Pack %v: %d rows of %d elements (%v) into %d bytes from %d", t, rows, n, err, len(dst), len(w)))
	}
	bb := t.BlockBytes()
	nb := n / t.BlockSize()
	pad := make([]byte, bb) // the blocks of the padding rows: zero scales and quants
	for r0 := 0; r0 < rows; r0 += PackRows {
		for b := range nb {
			tb := dst[(r0*nb+b*PackRows)*bb:][:PackRows*bb]
			dwords := tb
			if f.half >= 0 {
				dwords = tb[2*PackRows:]
			}
			var blks [PackRows][]byte
			for i := range blks {
				blks[i] = pad
				if r := r0 + i; r < rows {
					blks[i] = w[r*rb+b*bb:][:bb]
				}
				if f.half >= 0 {
					binary.LittleEndian.PutUint16(tb[2*i:], binary.LittleEndian.Uint16(blks[i][f.half:]))
				}
			}
			// Dword by dword, so that the writes are sequential.
			for g := range f.dwords {
				out := dwords[4*PackRows*g:][:4*PackRows]
				o := f.first + 4*g
				for i, blk := range blks {
					binary.LittleEndian.PutUint32(out[4*i:], binary.LittleEndian.Uint32(blk[o:o+4]))
				}
			}
		}
	}
}

// DotPacked is DotRows for weights in the packed layout: w holds wRows rows
// of n elements of type t packed by Pack (or the tiles of a packed matrix
// from a row that is a multiple of PackRows on), so len(w) is
// PackedBytes(t, n, wRows). Its result equals DotRows's definition within
// VecDot's bound, and every pair of rows gets the same result alone as in
// a batch, as with DotRows. It panics unless Packable(t, n), or if the
// sizes do not agree.
func DotPacked(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) {
	size, err := PackedBytes(t, n, wRows)
	if err != nil || !Packable(t, n) || len(w) != size {
		panic(fmt.Sprintf("quant: DotPacked %v: %d rows of %d elements in %d bytes (packable %v)", t, wRows, n, len(w), Packable(t, n)))
	}
	rb, _ := t.RowBytes(n)
	checkRows(t, n, out, outStride, w[:wRows*rb], wRows, a, aRows)
	if wRows == 0 || aRows == 0 {
		return
	}
	dotPacked(t, n, out, outStride, w, wRows, a, aRows)
}
