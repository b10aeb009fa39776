package quant

import "encoding/binary"

// Byte layouts of one block of each quantized format, as GGML stores them.
// All multi-byte fields are little-endian; "f16" is an IEEE half.
//
//	Q4_0  18 B, 32 elements: d f16 | qs[16]: element j is the low nibble
//	      of qs[j], element j+16 the high nibble; x = (q - 8)·d
//	Q4_1  20 B, 32 elements: d f16 | m f16 | qs[16] (as Q4_0); x = q·d + m
//	Q5_0  22 B, 32 elements: d f16 | qh u32 | qs[16]: bit j of qh is bit 4
//	      of element j; x = (q - 16)·d
//	Q5_1  24 B, 32 elements: d f16 | m f16 | qh u32 | qs[16]; x = q·d + m
//	Q8_0  34 B, 32 elements: d f16 | qs[32] int8; x = q·d
//	Q8_1  36 B, 32 elements: d f16 | s f16 | qs[32] int8; x = q·d,
//	      s = d·Σq (used by the dot products with Q4_1 and Q5_1)
//
// K-quants pack 256 elements in a super-block of sub-blocks:
//
//	Q2_K   84 B: scales[16] | qs[64] | d f16 | dmin f16. Sixteen sub-blocks
//	       of 16; scales[s] holds the sub-block's scale (low nibble) and
//	       min (high nibble); x = d·sc·q - dmin·m, q in 0..3.
//	Q3_K  110 B: hmask[32] | qs[64] | scales[12] | d f16. Sixteen sub-blocks
//	       of 16 with 6-bit scales; x = d·(sc - 32)·q, q in -4..3 from two
//	       low bits in qs and a high bit in hmask (clear means subtract 4).
//	Q4_K  144 B: d f16 | dmin f16 | scales[12] | qs[128]. Eight sub-blocks
//	       of 32 with a 6-bit scale and a 6-bit min each;
//	       x = d·sc·q - dmin·m, q in 0..15.
//	Q5_K  176 B: d f16 | dmin f16 | scales[12] | qh[32] | qs[128]. As Q4_K
//	       with a fifth bit per element from qh; q in 0..31.
//	Q6_K  210 B: ql[128] | qh[64] | scales[16] int8 | d f16. Sixteen
//	       sub-blocks of 16; x = d·sc·(q - 32), q in 0..63.
//	Q8_K  292 B: d f32 | qs[256] int8 | bsums[16] int16. x = q·d; bsums[j]
//	       is the sum of qs[16j:16j+16] (used by the K-quant dot products).
//
// Within a K-quant super-block, 2-bit and 4-bit fields are spread over
// 128-element (2-bit) or 64-element (4-bit) chunks: byte l of a chunk's
// 32 quant bytes carries element l of each 32-element group of that chunk,
// in bit-field order. The dequantizers spell this out.
const (
	q4_0Bytes = 2 + QK/2
	q4_1Bytes = 4 + QK/2
	q5_0Bytes = 2 + 4 + QK/2
	q5_1Bytes = 4 + 4 + QK/2
	q8_0Bytes = 2 + QK
	q8_1Bytes = 4 + QK
	q2_KBytes = QKK/16 + QKK/4 + 2 + 2
	q3_KBytes = QKK/8 + QKK/4 + 12 + 2
	q4_KBytes = 2 + 2 + 12 + QKK/2
	q5_KBytes = 2 + 2 + 12 + QKK/8 + QKK/2
	q6_KBytes = QKK/2 + QKK/4 + QKK/16 + 2
	q8_KBytes = 4 + QKK + QKK/16*2
)

// f16At decodes the little-endian half at b[off:off+2].
func f16At(b []byte, off int) float32 {
	return F16ToF32(binary.LittleEndian.Uint16(b[off:]))
}

// kScaleMin returns the 6-bit scale and min of sub-block j (0..7) of a Q4_K
// or Q5_K super-block from its 12 packed scale bytes s. Sub-blocks 0..3 keep
// their scale in the low 6 bits of s[j] and their min in the low 6 bits of
// s[j+4]. Sub-blocks 4..7 keep the low 4 bits of scale and min in the two
// nibbles of s[j+4], and the high 2 bits in the top bits of s[j-4] (scale)
// and s[j] (min).
func kScaleMin(j int, s []byte) (sc, m uint8) {
	if j < 4 {
		return s[j] & 63, s[j+4] & 63
	}
	sc = s[j+4]&0x0f | (s[j-4]>>6)<<4
	m = s[j+4]>>4 | (s[j]>>6)<<4
	return sc, m
}

// q3KScale returns the signed scale (-32..31) of sub-block j (0..15) of a
// Q3_K super-block from its 12 packed scale bytes s. The low 4 bits of the
// 6-bit stored value are a nibble of s[0:8] (low nibbles for j < 8, high
// nibbles for j >= 8); the high 2 bits sit in s[8 + j%4] at bit 2·(j/4).
func q3KScale(j int, s []byte) int32 {
	var lo uint8
	if j < 8 {
		lo = s[j] & 0x0f
	} else {
		lo = s[j-8] >> 4
	}
	hi := (s[8+j%4] >> (2 * (j / 4))) & 3
	return int32(lo|hi<<4) - 32
}
