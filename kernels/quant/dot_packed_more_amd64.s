//go:build !purego

#include "textflag.h"
#include "dot_packed_amd64.h"

// More AVX-512 VNNI tile kernels of DotPacked: Q5_K, Q2_K and Q3_K (Q8_K
// activations), Q5_0 (Q8_0), Q4_1 and Q5_1 (Q8_1). dot_packed_more_amd64.go has their Go
// declarations and the definitions they equal; the layout and the
// register use are those of the kernels in dot_rows_amd64.s, with the
// macros of dot_packed_amd64.h:
//
//	Z0..Z7    the weight quants of the current (sub-)block: dword lane i
//	          of Zg holds quants 4g..4g+3 of weight row i, unsigned (Q5_K:
//	          also Z16..Z23 for the second sub-block)
//	Z31       the bytes 0x0f; Z29 the bytes 0x10
//	R8        the tile (packed layout, see packed.go)
//	BX        byte offset of the current block within the tile
//	SI        the current block of activation row 0
//	DI        the prep entries of the current block
//	R12       the accumulators: 16 float32 per activation row
//	R13       bytes per activation row
//	R14       blocks left
//	K1        the lanes of the tile's weight rows

DATA moreBytes0x0f<>+0(SB)/4, $0x0f0f0f0f
GLOBL moreBytes0x0f<>(SB), RODATA|NOPTR, $4

DATA moreBytes0x10<>+0(SB)/4, $0x10101010
GLOBL moreBytes0x10<>(SB), RODATA|NOPTR, $4

DATA moreBytes0x3f<>+0(SB)/4, $0x3f3f3f3f
GLOBL moreBytes0x3f<>(SB), RODATA|NOPTR, $4

// The bits of a qh byte that the bytes of a dword test: bits 0..3 and
// 4..7, byte k bit k (bit 4+k).
DATA q5hBitsLo<>+0(SB)/4, $0x08040201
GLOBL q5hBitsLo<>(SB), RODATA|NOPTR, $4

DATA q5hBitsHi<>+0(SB)/4, $0x80402010
GLOBL q5hBitsHi<>(SB), RODATA|NOPTR, $4

// VPSHUFB indexes (for each 128-bit lane, broadcast): in q5hIdx+16b, byte b
// of each dword to all four bytes of the dword; in q5kByteIdx+16j, byte j
// of each dword zero-extended to the dword; in q5kWordIdx+16j, byte j of
// each dword zero-extended to both words of the dword.
DATA q5hIdx<>+0(SB)/8, $0x0404040400000000
DATA q5hIdx<>+8(SB)/8, $0x0c0c0c0c08080808
DATA q5hIdx<>+16(SB)/8, $0x0505050501010101
DATA q5hIdx<>+24(SB)/8, $0x0d0d0d0d09090909
DATA q5hIdx<>+32(SB)/8, $0x0606060602020202
DATA q5hIdx<>+40(SB)/8, $0x0e0e0e0e0a0a0a0a
DATA q5hIdx<>+48(SB)/8, $0x0707070703030303
DATA q5hIdx<>+56(SB)/8, $0x0f0f0f0f0b0b0b0b
GLOBL q5hIdx<>(SB), RODATA|NOPTR, $64

DATA q5kByteIdx<>+0(SB)/8, $0x8080800480808000
DATA q5kByteIdx<>+8(SB)/8, $0x8080800c80808008
DATA q5kByteIdx<>+16(SB)/8, $0x8080800580808001
DATA q5kByteIdx<>+24(SB)/8, $0x8080800d80808009
DATA q5kByteIdx<>+32(SB)/8, $0x8080800680808002
DATA q5kByteIdx<>+40(SB)/8, $0x8080800e8080800a
DATA q5kByteIdx<>+48(SB)/8, $0x8080800780808003
DATA q5kByteIdx<>+56(SB)/8, $0x8080800f8080800b
GLOBL q5kByteIdx<>(SB), RODATA|NOPTR, $64

DATA q5kWordIdx<>+0(SB)/8, $0x8004800480008000
DATA q5kWordIdx<>+8(SB)/8, $0x800c800c80088008
DATA q5kWordIdx<>+16(SB)/8, $0x8005800580018001
DATA q5kWordIdx<>+24(SB)/8, $0x800d800d80098009
DATA q5kWordIdx<>+32(SB)/8, $0x8006800680028002
DATA q5kWordIdx<>+40(SB)/8, $0x800e800e800a800a
DATA q5kWordIdx<>+48(SB)/8, $0x8007800780038003
DATA q5kWordIdx<>+56(SB)/8, $0x800f800f800b800b
GLOBL q5kWordIdx<>(SB), RODATA|NOPTR, $64

// ---------------------------------------------------------------- tiles

// ---------------------------------------------------------------- Q5_0, Q4_1, Q5_1

// NIBBLES: Z0..Z3 = the low nibbles of Z9..Z12 (the qs dwords: elements
// 4g..4g+3), Z4..Z7 the high ones (elements 16+4g..16+4g+3).
#define NIBBLES \
	VPANDD Z31, Z9, Z0; \
	VPANDD Z31, Z10, Z1; \
	VPANDD Z31, Z11, Z2; \
	VPANDD Z31, Z12, Z3; \
	VPSRLD $4, Z9, Z4; \
	VPSRLD $4, Z10, Z5; \
	VPSRLD $4, Z11, Z6; \
	VPSRLD $4, Z12, Z7; \
	VPANDD Z31, Z4, Z4; \
	VPANDD Z31, Z5, Z5; \
	VPANDD Z31, Z6, Z6; \
	VPANDD Z31, Z7, Z7

// Q5HBITS(IDX, Za, Zb): adds the fifth bits of byte b of the qh dwords in
// Z13 (IDX: the q5hIdx row of b) to the quants of Za (qh bits 8b..8b+3)
// and Zb (8b+4..8b+7): VPSHUFB copies the qh byte to the four bytes of
// each dword, VPTESTMB with Z24 (Z25) picks bit k for byte k, and a masked
// VPADDB adds 16 to the bytes whose bit is set. Clobbers Z14, K2, K3.
#define Q5HBITS(IDX, Za, Zb) \
	VPSHUFB  IDX, Z13, Z14; \
	VPTESTMB Z24, Z14, K2; \
	VPTESTMB Z25, Z14, K3; \
	VPADDB   Z29, Za, K2, Za; \
	VPADDB   Z29, Zb, K3, Zb

// Q5QUANTS(qh, qs): Z0..Z7 = the 5-bit quants of the current block, whose
// qh dwords are at offset qh of the tile and qs dwords at qs: bit j of qh
// is bit 4 of element j. Needs the q5hIdx rows in Z20..Z23 and the test
// bits in Z24, Z25 (Q5HCONSTS).
#define Q5QUANTS(qh, qs) \
	LOAD4(qs); \
	NIBBLES; \
	VMOVDQU64 (qh)(R8)(BX*1), Z13; \
	Q5HBITS(Z20, Z0, Z1); \
	Q5HBITS(Z21, Z2, Z3); \
	Q5HBITS(Z22, Z4, Z5); \
	Q5HBITS(Z23, Z6, Z7)

#define Q5HCONSTS \
	VPBROADCASTD    moreBytes0x10<>(SB), Z29; \
	VBROADCASTI32X4 q5hIdx<>+0(SB), Z20; \
	VBROADCASTI32X4 q5hIdx<>+16(SB), Z21; \
	VBROADCASTI32X4 q5hIdx<>+32(SB), Z22; \
	VBROADCASTI32X4 q5hIdx<>+48(SB), Z23; \
	VPBROADCASTD    q5hBitsLo<>(SB), Z24; \
	VPBROADCASTD    q5hBitsHi<>(SB), Z25

// DMSCALES: Z8 = the 16 weight rows' d and Z15 their m, as float32, from
// the (d, m) dwords at the start of the current block. Clobbers Z13, Z14.
#define DMSCALES \
	VMOVDQU64 (R8)(BX*1), Z13; \
	VPMOVDW   Z13, Y14; \
	VCVTPH2PS Y14, Z8; \
	VPSRLD    $16, Z13, Z13; \
	VPMOVDW   Z13, Y13; \
	VCVTPH2PS Y13, Z15

// ROWLOOP32(loop): for each of the aRows activation rows, its Q8_0 block
// at SI against the 16 weight rows in Z0..Z7 (scales in Z8), as in
// dot_rows_amd64.s: the int32 sum starts at the prep entry's offset
// correction; sum·(d·yd) is added to the row's accumulators. (The scales
// are multiplied first, as in the definitions, so that both round alike
// when d·yd underflows.)
#define ROWLOOP32(loop) \
	MOVQ aRows+56(FP), CX; \
	MOVQ SI, R10; \
	MOVQ R12, R11; \
loop: \
	VPBROADCASTD     (DI), Z16; \
	VPXORD           Z17, Z17, Z17; \
	VPDPBUSD.BCST    2(R10), Z0, Z16; \
	VPDPBUSD.BCST    18(R10), Z4, Z17; \
	VPDPBUSD.BCST    6(R10), Z1, Z16; \
	VPDPBUSD.BCST    22(R10), Z5, Z17; \
	VPDPBUSD.BCST    10(R10), Z2, Z16; \
	VPDPBUSD.BCST    26(R10), Z6, Z17; \
	VPDPBUSD.BCST    14(R10), Z3, Z16; \
	VPDPBUSD.BCST    30(R10), Z7, Z17; \
	VPADDD           Z17, Z16, Z16; \
	VCVTDQ2PS        Z16, Z16; \
	VMULPS.BCST      4(DI), Z8, Z17; \
	VFMADD213PS      (R11), Z17, Z16; \
	VMOVUPS          Z16, (R11); \
	ADDQ             R13, R10; \
	ADDQ             $8, DI; \
	ADDQ             $64, R11; \
	DECQ             CX; \
	JNZ              loop

// ROWLOOP36(loop): ROWLOOP32 for Q8_1 activation blocks (quants at
// 4(SI)..35(SI)) and weights with a min (Q4_1, Q5_1: d in Z8, m in Z15):
// the prep entry holds the activation's yd and ys = yd·Σ a as float32, and
// (sum·(d·yd) + acc) + m·ys goes to the row's accumulators.
#define ROWLOOP36(loop) \
	MOVQ aRows+56(FP), CX; \
	MOVQ SI, R10; \
	MOVQ R12, R11; \
loop: \
	VPXORD           Z16, Z16, Z16; \
	VPXORD           Z17, Z17, Z17; \
	VPDPBUSD.BCST    4(R10), Z0, Z16; \
	VPDPBUSD.BCST    20(R10), Z4, Z17; \
	VPDPBUSD.BCST    8(R10), Z1, Z16; \
	VPDPBUSD.BCST    24(R10), Z5, Z17; \
	VPDPBUSD.BCST    12(R10), Z2, Z16; \
	VPDPBUSD.BCST    28(R10), Z6, Z17; \
	VPDPBUSD.BCST    16(R10), Z3, Z16; \
	VPDPBUSD.BCST    32(R10), Z7, Z17; \
	VPADDD           Z17, Z16, Z16; \
	VCVTDQ2PS        Z16, Z16; \
	VMULPS.BCST      (DI), Z8, Z17; \
	VFMADD213PS      (R11), Z17, Z16; \
	VFMADD231PS.BCST 4(DI), Z15, Z16; \
	VMOVUPS          Z16, (R11); \
	ADDQ             R13, R10; \
	ADDQ             $8, DI; \
	ADDQ             $64, R11; \
	DECQ             CX; \
	JNZ              loop

// func dotRowsQ5_0AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)
// A block of the tile: the 16 f16 d (32 bytes), the qh dwords (64), the
// qs dwords (256).
TEXT ·dotRowsQ5_0AVX512(SB), NOSPLIT, $0-152
	TILEPROLOGUE(34, acc_base+96(FP))
	MOVQ         prep_base+72(FP), DI
	VPBROADCASTD moreBytes0x0f<>(SB), Z31
	Q5HCONSTS

q50Block:
	PREFETCHT0 PFD(R8)(BX*1)
	Q5QUANTS(32, 96)
	WSCALES
	ROWLOOP32(q50Rows)
	ADDQ $352, BX
	ADDQ $34, SI
	DECQ R14
	JNZ  q50Block

	TILEEPILOGUE(out_base+120(FP), outStride+144(FP))
	RET

// func dotRowsQ4_1AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)
// A block of the tile: the (d, m) dwords (64 bytes), the qs dwords (256).
TEXT ·dotRowsQ4_1AVX512(SB), NOSPLIT, $0-152
	TILEPROLOGUE(36, acc_base+96(FP))
	MOVQ         prep_base+72(FP), DI
	VPBROADCASTD moreBytes0x0f<>(SB), Z31

q41Block:
	PREFETCHT0 PFD(R8)(BX*1)
	LOAD4(64)
	NIBBLES
	DMSCALES
	ROWLOOP36(q41Rows)
	ADDQ $320, BX
	ADDQ $36, SI
	DECQ R14
	JNZ  q41Block

	TILEEPILOGUE(out_base+120(FP), outStride+144(FP))
	RET

// func dotRowsQ5_1AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)
// A block of the tile: the (d, m) dwords (64 bytes), the qh dwords (64),
// the qs dwords (256).
TEXT ·dotRowsQ5_1AVX512(SB), NOSPLIT, $0-152
	TILEPROLOGUE(36, acc_base+96(FP))
	MOVQ         prep_base+72(FP), DI
	VPBROADCASTD moreBytes0x0f<>(SB), Z31
	Q5HCONSTS

q51Block:
	PREFETCHT0 PFD(R8)(BX*1)
	PREFETCHT0 (PFD+64)(R8)(BX*1)
	Q5QUANTS(64, 128)
	DMSCALES
	ROWLOOP36(q51Rows)
	ADDQ $384, BX
	ADDQ $36, SI
	DECQ R14
	JNZ  q51Block

	TILEEPILOGUE(out_base+120(FP), outStride+144(FP))
	RET

// ---------------------------------------------------------------- Q5_K

// The Q5_K kernel is the Q4_K kernel of dot_rows_amd64.s with a fifth bit
// per quant. A super-block of the tile: the (d, dmin) dwords (64 bytes),
// the scales (192), the qh dwords (512, dword g at 256 + 64g) and the qs
// dwords (2048, at 768). Frame: 64s(SP): sub-block s's scale sc of the 16
// weight rows, int32; 512(SP) + 64s: its min m as the int16 pair (m, m).

// Q5KSCALES: the frame's scales and mins of the current super-block, d in
// Z14 and dmin in Z8 (Q4KSCALES of dot_rows_amd64.s, but with the scales
// as int32; see kScaleMin).
#define Q5KSCALES \
	LOAD4(0); \
	VPMOVDW       Z9, Y13; \
	VCVTPH2PS     Y13, Z14; \
	VPSRLD        $16, Z9, Z13; \
	VPMOVDW       Z13, Y13; \
	VCVTPH2PS     Y13, Z8; \
	VPANDD        Z30, Z10, Z15; \
	VPANDD        Z30, Z11, Z24; \
	VPSRLD        $2, Z10, Z25; \
	VMOVDQA64     Z12, Z26; \
	VPTERNLOGD    $0xe4, Z31, Z25, Z26; \
	VPANDD        Z30, Z26, Z26; \
	VPSRLD        $2, Z11, Z25; \
	VPSRLD        $4, Z12, Z27; \
	VPTERNLOGD    $0xe4, Z31, Z25, Z27; \
	VPANDD        Z30, Z27, Z27; \
	Q5KSCALE(Z15, 0, 0); \
	Q5KSCALE(Z15, 1, 1); \
	Q5KSCALE(Z15, 2, 2); \
	Q5KSCALE(Z15, 3, 3); \
	Q5KSCALE(Z26, 0, 4); \
	Q5KSCALE(Z26, 1, 5); \
	Q5KSCALE(Z26, 2, 6); \
	Q5KSCALE(Z26, 3, 7); \
	Q5KMIN(Z24, 0, 0); \
	Q5KMIN(Z24, 1, 1); \
	Q5KMIN(Z24, 2, 2); \
	Q5KMIN(Z24, 3, 3); \
	Q5KMIN(Z27, 0, 4); \
	Q5KMIN(Z27, 1, 5); \
	Q5KMIN(Z27, 2, 6); \
	Q5KMIN(Z27, 3, 7)

// Q5KSCALE(Z, j, s): byte j of each dword of Z, zero-extended, into the
// frame for sub-block s.
#define Q5KSCALE(Z, j, s) \
	VBROADCASTI32X4 q5kByteIdx<>+(16*j)(SB), Z13; \
	VPSHUFB         Z13, Z, Z13; \
	VMOVDQU64       Z13, (64*s)(SP)

// Q5KMIN(Z, j, s): byte j of each dword of Z as an int16 pair into the
// frame for sub-block s.
#define Q5KMIN(Z, j, s) \
	VBROADCASTI32X4 q5kWordIdx<>+(16*j)(SB), Z13; \
	VPSHUFB         Z13, Z, Z13; \
	VMOVDQU64       Z13, (512+64*s)(SP)

// The fifth bits of sub-block s, bit s of each qh byte, moved to bit 4 of
// the byte: QHs(o, Z) loads the qh dwords at offset o of the tile shifted
// by 4-s (the other bits are cleared by the VPTERNLOGD of Q5KQ).
#define QH0(o, Z) VPSLLD $4, (o)(R8)(BX*1), Z
#define QH1(o, Z) VPSLLD $3, (o)(R8)(BX*1), Z
#define QH2(o, Z) VPSLLD $2, (o)(R8)(BX*1), Z
#define QH3(o, Z) VPSLLD $1, (o)(R8)(BX*1), Z
#define QH4(o, Z) VMOVDQU64 (o)(R8)(BX*1), Z
#define QH5(o, Z) VPSRLD $1, (o)(R8)(BX*1), Z
#define QH6(o, Z) VPSRLD $2, (o)(R8)(BX*1), Z
#define QH7(o, Z) VPSRLD $3, (o)(R8)(BX*1), Z

// Q5KQ(qs, qh, LO, HI, Zl, Zh): Zl and Zh = the quants of the sub-blocks
// 2c and 2c+1 in the qs dword at offset qs of the tile (low and high
// nibbles) and the qh dword at qh (bits 2c and 2c+1, moved by LO and HI):
// VPTERNLOGD 0xf8 is Zl | (Z10 & 0x10).
#define Q5KQ(qs, qh, LO, HI, Zl, Zh) \
	VMOVDQU64  (qs)(R8)(BX*1), Z9; \
	VPANDD     Z31, Z9, Zl; \
	VPSRLD     $4, Z9, Zh; \
	VPANDD     Z31, Zh, Zh; \
	LO(qh, Z10); \
	VPTERNLOGD $0xf8, Z29, Z10, Zl; \
	HI(qh, Z11); \
	VPTERNLOGD $0xf8, Z29, Z11, Zh

// Q5KCHUNK(c, LO, HI, loop): the 64 quants of sub-blocks 2c and 2c+1 (qs
// bytes 32c..32c+31, dwords at 768 + 512c) against every activation row,
// as Q4KCHUNK of dot_rows_amd64.s: per row the int32 sums of the two
// sub-blocks (Z9, Z10), Σ m·bsum of both (Z11), then, as in the
// definition, the exact int32 sc·sum + sc'·sum' times d·yd, and Σ m·bsum
// times dmin·yd, into the row's accumulators (d in Z14, dmin in Z8).
// (Multiplying d·sc first would round differently from the definition
// where d·yd underflows.)
#define Q5KCHUNK(c, LO, HI, loop) \
	PREFETCH8(768+512*c); \
	Q5KQ(768+512*c, 256, LO, HI, Z0, Z16); \
	Q5KQ(768+512*c+64, 320, LO, HI, Z1, Z17); \
	Q5KQ(768+512*c+128, 384, LO, HI, Z2, Z18); \
	Q5KQ(768+512*c+192, 448, LO, HI, Z3, Z19); \
	Q5KQ(768+512*c+256, 512, LO, HI, Z4, Z20); \
	Q5KQ(768+512*c+320, 576, LO, HI, Z5, Z21); \
	Q5KQ(768+512*c+384, 640, LO, HI, Z6, Z22); \
	Q5KQ(768+512*c+448, 704, LO, HI, Z7, Z23); \
	VMOVDQU64 (64*(2*c))(SP), Z24; \
	VMOVDQU64 (64*(2*c+1))(SP), Z25; \
	VMOVDQU64 (512+64*(2*c))(SP), Z26; \
	VMOVDQU64 (512+64*(2*c+1))(SP), Z27; \
	MOVQ      aRows+56(FP), CX; \
	MOVQ      SI, R10; \
	MOVQ      R12, R11; \
loop: \
	VPXORD          Z9, Z9, Z9; \
	VPXORD          Z10, Z10, Z10; \
	VPXORD          Z11, Z11, Z11; \
	VPDPBUSD.BCST   (4+64*c)(R10), Z0, Z9; \
	VPDPBUSD.BCST   (36+64*c)(R10), Z16, Z10; \
	VPDPBUSD.BCST   (8+64*c)(R10), Z1, Z9; \
	VPDPBUSD.BCST   (40+64*c)(R10), Z17, Z10; \
	VPDPBUSD.BCST   (12+64*c)(R10), Z2, Z9; \
	VPDPBUSD.BCST   (44+64*c)(R10), Z18, Z10; \
	VPDPBUSD.BCST   (16+64*c)(R10), Z3, Z9; \
	VPDPBUSD.BCST   (48+64*c)(R10), Z19, Z10; \
	VPDPWSSD.BCST   (260+8*c)(R10), Z26, Z11; \
	VPDPBUSD.BCST   (20+64*c)(R10), Z4, Z9; \
	VPDPBUSD.BCST   (52+64*c)(R10), Z20, Z10; \
	VPDPBUSD.BCST   (24+64*c)(R10), Z5, Z9; \
	VPDPBUSD.BCST   (56+64*c)(R10), Z21, Z10; \
	VPDPWSSD.BCST   (264+8*c)(R10), Z27, Z11; \
	VPDPBUSD.BCST   (28+64*c)(R10), Z6, Z9; \
	VPDPBUSD.BCST   (60+64*c)(R10), Z22, Z10; \
	VPDPBUSD.BCST   (32+64*c)(R10), Z7, Z9; \
	VPDPBUSD.BCST   (64+64*c)(R10), Z23, Z10; \
	VPMULLD         Z24, Z9, Z9; \
	VPMULLD         Z25, Z10, Z10; \
	VPADDD          Z10, Z9, Z9; \
	VCVTDQ2PS       Z9, Z9; \
	VCVTDQ2PS       Z11, Z11; \
	VMULPS.BCST     (R10), Z14, Z12; \
	VMULPS.BCST     (R10), Z8, Z15; \
	VMOVUPS         (R11), Z13; \
	VFMADD231PS     Z12, Z9, Z13; \
	VFNMADD231PS    Z15, Z11, Z13; \
	VMOVUPS         Z13, (R11); \
	ADDQ            R13, R10; \
	ADDQ            $64, R11; \
	DECQ            CX; \
	JNZ             loop

// func dotRowsQ5_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, acc, out []float32, outStride int)
TEXT ·dotRowsQ5_KAVX512(SB), 0, $1024-128
	TILEPROLOGUE(292, acc_base+72(FP))
	VPBROADCASTD moreBytes0x0f<>(SB), Z31
	VPBROADCASTD moreBytes0x3f<>(SB), Z30
	VPBROADCASTD moreBytes0x10<>(SB), Z29

q5kBlock:
	PREFETCH8(256)
	Q5KSCALES
	Q5KCHUNK(0, QH0, QH1, q5kRows0)
	Q5KCHUNK(1, QH2, QH3, q5kRows1)
	Q5KCHUNK(2, QH4, QH5, q5kRows2)
	Q5KCHUNK(3, QH6, QH7, q5kRows3)
	ADDQ $2816, BX
	ADDQ $292, SI
	DECQ R14
	JNZ  q5kBlock

	TILEEPILOGUE(out_base+96(FP), outStride+120(FP))
	RET

// ---------------------------------------------------------------- Q2_K

// A super-block of the tile: the scale dwords (256 bytes: dword g holds
// the scale bytes of sub-blocks 4g..4g+3), the qs dwords (1024, dword j at
// 256 + 64j) and the (d, dmin) dwords (64, at 1280). Frame: 64s(SP): the
// VPSHUFB table of sub-block s: dword i of each 128-bit lane holds the
// bytes (0, sc, 2sc, 3sc) of its weight row i, sc the sub-block's 4-bit
// scale. A weight byte is then q·sc (at most 45, unsigned), so that one
// VPDPBUSD chain adds the scaled products of all the sub-blocks:
// Σ_s sc_s·Σ q·a, the definition's exact isum.

DATA moreBytes0x03<>+0(SB)/4, $0x03030303
GLOBL moreBytes0x03<>(SB), RODATA|NOPTR, $4

DATA q2kMul<>+0(SB)/4, $0x03020100
GLOBL q2kMul<>(SB), RODATA|NOPTR, $4

// VPSHUFB indexes: in q2kPairIdx+16h, bytes 2h and 2h+1 of each dword
// zero-extended to the two words of the dword.
DATA q2kPairIdx<>+0(SB)/8, $0x8005800480018000
DATA q2kPairIdx<>+8(SB)/8, $0x800d800c80098008
DATA q2kPairIdx<>+16(SB)/8, $0x8007800680038002
DATA q2kPairIdx<>+24(SB)/8, $0x800f800e800b800a
GLOBL q2kPairIdx<>(SB), RODATA|NOPTR, $32

// Q2KTAB(Z, j, g): the table of sub-block 4g+j into the frame, from the
// 4-bit scales in the bytes of Z: byte j of each dword zero-extended, times
// 0x03020100.
#define Q2KTAB(Z, j, g) \
	VBROADCASTI32X4 q5kByteIdx<>+(16*j)(SB), Z13; \
	VPSHUFB         Z13, Z, Z13; \
	VPMULLD         Z28, Z13, Z13; \
	VMOVDQU64       Z13, (64*(4*g+j))(SP)

// Q2KSC(Z, g, Za, Zb): from the scale dword g in Z, the tables of
// sub-blocks 4g..4g+3 into the frame and the mins as int16 pairs: those of
// sub-blocks 4g, 4g+1 in Za and 4g+2, 4g+3 in Zb.
#define Q2KSC(Z, g, Za, Zb) \
	VPSRLD          $4, Z, Zb; \
	VPANDD          Z29, Zb, Zb; \
	VPANDD          Z29, Z, Z; \
	Q2KTAB(Z, 0, g); \
	Q2KTAB(Z, 1, g); \
	Q2KTAB(Z, 2, g); \
	Q2KTAB(Z, 3, g); \
	VBROADCASTI32X4 q2kPairIdx<>+0(SB), Z13; \
	VPSHUFB         Z13, Zb, Za; \
	VBROADCASTI32X4 q2kPairIdx<>+16(SB), Z13; \
	VPSHUFB         Z13, Zb, Zb

// Q2KSCALES: the frame's tables, d in Z8, dmin in Z15 and the mins of
// sub-blocks 2i, 2i+1 as int16 pairs in Zi (i = 0..7).
#define Q2KSCALES \
	LOAD4(0); \
	VMOVDQU64 1280(R8)(BX*1), Z13; \
	VPMOVDW   Z13, Y14; \
	VCVTPH2PS Y14, Z8; \
	VPSRLD    $16, Z13, Z13; \
	VPMOVDW   Z13, Y13; \
	VCVTPH2PS Y13, Z15; \
	Q2KSC(Z9, 0, Z0, Z1); \
	Q2KSC(Z10, 1, Z2, Z3); \
	Q2KSC(Z11, 2, Z4, Z5); \
	Q2KSC(Z12, 3, Z6, Z7)

// Q2KMINS(loop): for every activation row, Σ_s m_s·bsum_s (VPDPWSSD of
// the min pairs in Z0..Z7 with the pairs of 16-quant sums, in two chains),
// then acc - (dmin·yd)·Σ into the row's accumulators.
#define Q2KMINS(loop) \
	MOVQ aRows+56(FP), CX; \
	MOVQ SI, R10; \
	MOVQ R12, R11; \
loop: \
	VPXORD            Z9, Z9, Z9; \
	VPXORD            Z10, Z10, Z10; \
	VPDPWSSD.BCST     260(R10), Z0, Z9; \
	VPDPWSSD.BCST     264(R10), Z1, Z10; \
	VPDPWSSD.BCST     268(R10), Z2, Z9; \
	VPDPWSSD.BCST     272(R10), Z3, Z10; \
	VPDPWSSD.BCST     276(R10), Z4, Z9; \
	VPDPWSSD.BCST     280(R10), Z5, Z10; \
	VPDPWSSD.BCST     284(R10), Z6, Z9; \
	VPDPWSSD.BCST     288(R10), Z7, Z10; \
	VPADDD            Z10, Z9, Z9; \
	VCVTDQ2PS         Z9, Z9; \
	VMULPS.BCST       (R10), Z15, Z12; \
	VMOVUPS           (R11), Z13; \
	VFNMADD231PS      Z12, Z9, Z13; \
	VMOVUPS           Z13, (R11); \
	ADDQ              R13, R10; \
	ADDQ              $64, R11; \
	DECQ              CX; \
	JNZ               loop

// Q2KQ(o, k, T, Z): Z = the quants at bits 2k, 2k+1 of the qs dwords at
// offset o of the tile times their scales: (q | 4i) indexes the table T
// in dword i of each 128-bit lane (VPTERNLOGD 0xea: (Z & 0x03) | Z30).
#define Q2KQ(o, k, T, Z) \
	VPSRLD     $(2*(k)), (o)(R8)(BX*1), Z; \
	VPTERNLOGD $0xea, Z30, Z31, Z; \
	VPSHUFB    Z, T, Z

// Q2KGROUP(c, k, Za, ..., Zh): the 32 scaled quants of group k of chunk c
// (elements 128c+32k.., sub-blocks s = 8c+2k and s+1: qs dwords 8c.. at
// 256 + 512c) in Za..Zh. Clobbers Z13, Z14.
#define Q2KGROUP(c, k, Za, Zb, Zc, Zd, Ze, Zf, Zg, Zh) \
	VMOVDQU64 (64*(8*c+2*(k)))(SP), Z13; \
	VMOVDQU64 (64*(8*c+2*(k)+1))(SP), Z14; \
	Q2KQ(256+512*c, k, Z13, Za); \
	Q2KQ(320+512*c, k, Z13, Zb); \
	Q2KQ(384+512*c, k, Z13, Zc); \
	Q2KQ(448+512*c, k, Z13, Zd); \
	Q2KQ(512+512*c, k, Z14, Ze); \
	Q2KQ(576+512*c, k, Z14, Zf); \
	Q2KQ(640+512*c, k, Z14, Zg); \
	Q2KQ(704+512*c, k, Z14, Zh)

// Q2KPASS(c, k, loop): groups k and k+1 of chunk c (64 elements from
// 128c+32k) against every activation row: the int32 Σ sc·q·a in two
// chains, then acc + (d·yd)·Σ into the row's accumulators.
#define Q2KPASS(c, k, loop) \
	Q2KGROUP(c, k, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	Q2KGROUP(c, k+1, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23); \
	MOVQ aRows+56(FP), CX; \
	MOVQ SI, R10; \
	MOVQ R12, R11; \
loop: \
	VPXORD           Z9, Z9, Z9; \
	VPXORD           Z10, Z10, Z10; \
	VPDPBUSD.BCST    (4+128*c+32*k)(R10), Z0, Z9; \
	VPDPBUSD.BCST    (36+128*c+32*k)(R10), Z16, Z10; \
	VPDPBUSD.BCST    (8+128*c+32*k)(R10), Z1, Z9; \
	VPDPBUSD.BCST    (40+128*c+32*k)(R10), Z17, Z10; \
	VPDPBUSD.BCST    (12+128*c+32*k)(R10), Z2, Z9; \
	VPDPBUSD.BCST    (44+128*c+32*k)(R10), Z18, Z10; \
	VPDPBUSD.BCST    (16+128*c+32*k)(R10), Z3, Z9; \
	VPDPBUSD.BCST    (48+128*c+32*k)(R10), Z19, Z10; \
	VPDPBUSD.BCST    (20+128*c+32*k)(R10), Z4, Z9; \
	VPDPBUSD.BCST    (52+128*c+32*k)(R10), Z20, Z10; \
	VPDPBUSD.BCST    (24+128*c+32*k)(R10), Z5, Z9; \
	VPDPBUSD.BCST    (56+128*c+32*k)(R10), Z21, Z10; \
	VPDPBUSD.BCST    (28+128*c+32*k)(R10), Z6, Z9; \
	VPDPBUSD.BCST    (60+128*c+32*k)(R10), Z22, Z10; \
	VPDPBUSD.BCST    (32+128*c+32*k)(R10), Z7, Z9; \
	VPDPBUSD.BCST    (64+128*c+32*k)(R10), Z23, Z10; \
	VPADDD           Z10, Z9, Z9; \
	VCVTDQ2PS        Z9, Z9; \
	VMULPS.BCST      (R10), Z8, Z12; \
	VMOVUPS          (R11), Z13; \
	VFMADD231PS      Z12, Z9, Z13; \
	VMOVUPS          Z13, (R11); \
	ADDQ             R13, R10; \
	ADDQ             $64, R11; \
	DECQ             CX; \
	JNZ              loop

// func dotRowsQ2_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, acc, out []float32, outStride int)
TEXT ·dotRowsQ2_KAVX512(SB), 0, $1024-128
	TILEPROLOGUE(292, acc_base+72(FP))
	VPBROADCASTD    moreBytes0x03<>(SB), Z31
	VBROADCASTI32X4 q5hIdx<>+0(SB), Z30      // 4i in the bytes of dword i of each 128-bit lane
	VPBROADCASTD    moreBytes0x0f<>(SB), Z29
	VPBROADCASTD    q2kMul<>(SB), Z28

q2kBlock:
	PREFETCH8(256)
	PREFETCH8(768)
	PREFETCHT0 (PFD+1280)(R8)(BX*1)
	Q2KSCALES
	Q2KMINS(q2kMins)
	Q2KPASS(0, 0, q2kRows0)
	Q2KPASS(0, 2, q2kRows1)
	Q2KPASS(1, 0, q2kRows2)
	Q2KPASS(1, 2, q2kRows3)
	ADDQ $1344, BX
	ADDQ $292, SI
	DECQ R14
	JNZ  q2kBlock

	TILEEPILOGUE(out_base+96(FP), outStride+120(FP))
	RET

// ---------------------------------------------------------------- Q3_K

// The Q3_K kernel is the Q6_K kernel of dot_rows_amd64.s for 3-bit quants:
// in the definition's order, the exact int32 S = Σ_s sc_s·Σ q·a over the
// super-block, then acc + (d·yd)·S. The quants are stored as the unsigned
// u = q+4 (two bits of qs and the hmask bit); each sub-block's Σ u·a is
// multiplied by its signed scale sc (VPMULLD), and -4·sc·Σ a comes from
// the activation row's true 16-quant sums (prepQ8_KAVX512). S builds up
// over four passes in int32 accumulators in the second half of acc (16
// per activation row, R9 = 64·aRows bytes after the float32 ones).
//
// A super-block of the tile: the 16 f16 d (32 bytes), the hmask dwords
// (512, dword g at 32 + 64g), the qs dwords (1024, at 544) and the scale
// dwords (192, at 1568). Frame: 64s(SP): sub-block s's scale sc of the 16
// weight rows, int32; 1024(SP) + 64j: the int16 pairs (-4·sc, -4·sc') of
// sub-blocks 2j and 2j+1. Registers: Z31 the bytes 0x03, Z30 0x04, Z29
// 0x0f, Z28 0x3f; Z8 d; DI and R15 the prep entries.

DATA moreBytes0x04<>+0(SB)/4, $0x04040404
GLOBL moreBytes0x04<>(SB), RODATA|NOPTR, $4

DATA moreDwords32<>+0(SB)/4, $0x00000020
GLOBL moreDwords32<>(SB), RODATA|NOPTR, $4

DATA moreWords128<>+0(SB)/4, $0x00800080
GLOBL moreWords128<>(SB), RODATA|NOPTR, $4

// Q3KSC(Z, b, s): the frame's sc of sub-block s from byte b of each dword
// of Z (the stored 6-bit scale, zero-extended, minus 32; Z27 holds 32).
#define Q3KSC(Z, b, s) \
	VBROADCASTI32X4 q5kByteIdx<>+(16*b)(SB), Z13; \
	VPSHUFB         Z13, Z, Z13; \
	VPSUBD          Z27, Z13, Z13; \
	VMOVDQU64       Z13, (64*s)(SP)

// Q3KPAIR(Z, h, j): the frame's pair j from bytes 2h, 2h+1 of each dword of
// Z: 128 - 4v = -4·(v-32) in each word (Z26 holds the words 128).
#define Q3KPAIR(Z, h, j) \
	VBROADCASTI32X4 q2kPairIdx<>+(16*h)(SB), Z13; \
	VPSHUFB         Z13, Z, Z13; \
	VPSLLW          $2, Z13, Z13; \
	VPSUBW          Z13, Z26, Z13; \
	VMOVDQU64       Z13, (1024+64*j)(SP)

// Q3KSCALES: the frame's scales and pairs of the current super-block, d in
// Z8. Byte b of Zg's dwords (g = 0..3) is the 6-bit scale of sub-block
// 4g+b (see q3KScale): its low nibble from the scale bytes s[0..7] (dwords
// D0 and D1, low nibbles for g < 2), its high two bits from s[8..11] (D2,
// bits 2g, 2g+1), moved to bits 4, 5 and merged by VPTERNLOGD (0xe4: the
// bits of Z29 = 0x0f from the first, the others from the second).
#define Q3KSCALES \
	WSCALES; \
	VMOVDQU64    1568(R8)(BX*1), Z9; \
	VMOVDQU64    1632(R8)(BX*1), Z10; \
	VMOVDQU64    1696(R8)(BX*1), Z11; \
	VPBROADCASTD moreWords128<>(SB), Z26; \
	VPBROADCASTD moreDwords32<>(SB), Z27; \
	VPSLLD       $4, Z11, Z12; \
	VMOVDQA64    Z9, Z0; \
	VPTERNLOGD   $0xe4, Z29, Z12, Z0; \
	VPANDD       Z28, Z0, Z0; \
	VPSLLD       $2, Z11, Z12; \
	VMOVDQA64    Z10, Z1; \
	VPTERNLOGD   $0xe4, Z29, Z12, Z1; \
	VPANDD       Z28, Z1, Z1; \
	VPSRLD       $4, Z9, Z2; \
	VPTERNLOGD   $0xe4, Z29, Z11, Z2; \
	VPANDD       Z28, Z2, Z2; \
	VPSRLD       $2, Z11, Z12; \
	VPSRLD       $4, Z10, Z3; \
	VPTERNLOGD   $0xe4, Z29, Z12, Z3; \
	VPANDD       Z28, Z3, Z3; \
	Q3KSC(Z0, 0, 0); \
	Q3KSC(Z0, 1, 1); \
	Q3KSC(Z0, 2, 2); \
	Q3KSC(Z0, 3, 3); \
	Q3KSC(Z1, 0, 4); \
	Q3KSC(Z1, 1, 5); \
	Q3KSC(Z1, 2, 6); \
	Q3KSC(Z1, 3, 7); \
	Q3KSC(Z2, 0, 8); \
	Q3KSC(Z2, 1, 9); \
	Q3KSC(Z2, 2, 10); \
	Q3KSC(Z2, 3, 11); \
	Q3KSC(Z3, 0, 12); \
	Q3KSC(Z3, 1, 13); \
	Q3KSC(Z3, 2, 14); \
	Q3KSC(Z3, 3, 15); \
	Q3KPAIR(Z0, 0, 0); \
	Q3KPAIR(Z0, 1, 1); \
	Q3KPAIR(Z1, 0, 2); \
	Q3KPAIR(Z1, 1, 3); \
	Q3KPAIR(Z2, 0, 4); \
	Q3KPAIR(Z2, 1, 5); \
	Q3KPAIR(Z3, 0, 6); \
	Q3KPAIR(Z3, 1, 7)

// Q3KQ(g, c, k, HSH, hs, Z): Z = the unsigned quants u of group k of chunk
// c in dword g (elements 128c+32k+4g..): bits 2k, 2k+1 of the qs dword
// 8c+g, and bit 4c+k of the hmask dword g moved to bit 2 by HSH $hs
// (VPSLLD or VPSRLD), merged by VPTERNLOGD 0xea: (Z & 0x03) | (Z9 & 0x04).
#define Q3KQ(g, c, k, HSH, hs, Z) \
	VPSRLD     $(2*(k)), (544+512*(c)+64*(g))(R8)(BX*1), Z; \
	HSH        $(hs), (32+64*(g))(R8)(BX*1), Z9; \
	VPANDD     Z30, Z9, Z9; \
	VPTERNLOGD $0xea, Z9, Z31, Z

// Q3KGROUP(c, k, HSH, hs, Za, ..., Zh): Za..Zh = the quants of group k of
// chunk c (elements 128c+32k..128c+32k+31).
#define Q3KGROUP(c, k, HSH, hs, Za, Zb, Zc, Zd, Ze, Zf, Zg, Zh) \
	Q3KQ(0, c, k, HSH, hs, Za); \
	Q3KQ(1, c, k, HSH, hs, Zb); \
	Q3KQ(2, c, k, HSH, hs, Zc); \
	Q3KQ(3, c, k, HSH, hs, Zd); \
	Q3KQ(4, c, k, HSH, hs, Ze); \
	Q3KQ(5, c, k, HSH, hs, Zf); \
	Q3KQ(6, c, k, HSH, hs, Zg); \
	Q3KQ(7, c, k, HSH, hs, Zh)

// Q3KPASS(c, k, HSH, ha, hb, END, loop): groups k and k+1 (k = 0, 2) of
// chunk c, elements 128c+32k..128c+32k+63 (sub-blocks 8c+2k..8c+2k+3,
// pairs 4c+k and 4c+k+1), quants in Z0..Z7 and Z16..Z23 (the hmask bits
// moved by HSH $ha and $hb). For every activation row the int32 Σ u·a of
// each sub-block (Z9..Z12), times its scale, and the pairs'
// -4·(sc·bsum + sc'·bsum') (VPDPWSSD with the row's pairs of 16-quant
// sums, from R15 on, 32 bytes per row) make Σ sc·q·a, which END adds to
// the int32 accumulators.
#define Q3KPASS(c, k, HSH, ha, hb, END, loop) \
	Q3KGROUP(c, k, HSH, ha, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	Q3KGROUP(c, k+1, HSH, hb, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23); \
	VMOVDQU64 (64*(8*c+2*k))(SP), Z24; \
	VMOVDQU64 (64*(8*c+2*k+1))(SP), Z25; \
	VMOVDQU64 (64*(8*c+2*k+2))(SP), Z26; \
	VMOVDQU64 (64*(8*c+2*k+3))(SP), Z27; \
	VMOVDQU64 (1024+64*(4*c+k))(SP), Z14; \
	VMOVDQU64 (1024+64*(4*c+k+1))(SP), Z15; \
	MOVQ      aRows+56(FP), CX; \
	MOVQ      SI, R10; \
	MOVQ      R12, R11; \
	MOVQ      R15, DI; \
loop: \
	VPXORD          Z9, Z9, Z9; \
	VPXORD          Z10, Z10, Z10; \
	VPXORD          Z11, Z11, Z11; \
	VPXORD          Z12, Z12, Z12; \
	VPDPBUSD.BCST   (4+128*c+32*k)(R10), Z0, Z9; \
	VPDPBUSD.BCST   (20+128*c+32*k)(R10), Z4, Z10; \
	VPDPBUSD.BCST   (36+128*c+32*k)(R10), Z16, Z11; \
	VPDPBUSD.BCST   (52+128*c+32*k)(R10), Z20, Z12; \
	VPDPBUSD.BCST   (8+128*c+32*k)(R10), Z1, Z9; \
	VPDPBUSD.BCST   (24+128*c+32*k)(R10), Z5, Z10; \
	VPDPBUSD.BCST   (40+128*c+32*k)(R10), Z17, Z11; \
	VPDPBUSD.BCST   (56+128*c+32*k)(R10), Z21, Z12; \
	VPDPBUSD.BCST   (12+128*c+32*k)(R10), Z2, Z9; \
	VPDPBUSD.BCST   (28+128*c+32*k)(R10), Z6, Z10; \
	VPDPBUSD.BCST   (44+128*c+32*k)(R10), Z18, Z11; \
	VPDPBUSD.BCST   (60+128*c+32*k)(R10), Z22, Z12; \
	VPDPBUSD.BCST   (16+128*c+32*k)(R10), Z3, Z9; \
	VPDPBUSD.BCST   (32+128*c+32*k)(R10), Z7, Z10; \
	VPDPBUSD.BCST   (48+128*c+32*k)(R10), Z19, Z11; \
	VPDPBUSD.BCST   (64+128*c+32*k)(R10), Z23, Z12; \
	VPMULLD         Z24, Z9, Z9; \
	VPMULLD         Z25, Z10, Z10; \
	VPMULLD         Z26, Z11, Z11; \
	VPMULLD         Z27, Z12, Z12; \
	VPDPWSSD.BCST   (16*c+4*k)(DI), Z14, Z9; \
	VPDPWSSD.BCST   (16*c+4*k+4)(DI), Z15, Z11; \
	VPADDD          Z10, Z9, Z9; \
	VPADDD          Z12, Z11, Z11; \
	VPADDD          Z11, Z9, Z9; \
	END; \
	ADDQ            R13, R10; \
	ADDQ            $32, DI; \
	ADDQ            $64, R11; \
	DECQ            CX; \
	JNZ             loop

// func dotRowsQ3_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)
TEXT ·dotRowsQ3_KAVX512(SB), 0, $1536-152
	TILEPROLOGUE(292, acc_base+96(FP))
	MOVQ         aRows+56(FP), R9
	SHLQ         $6, R9
	MOVQ         prep_base+72(FP), R15
	VPBROADCASTD moreBytes0x03<>(SB), Z31
	VPBROADCASTD moreBytes0x04<>(SB), Z30
	VPBROADCASTD moreBytes0x0f<>(SB), Z29
	VPBROADCASTD moreBytes0x3f<>(SB), Z28

q3kBlock:
	PREFETCH8(32)
	PREFETCH8(544)
	PREFETCH8(1056)
	PREFETCHT0 (PFD+1568)(R8)(BX*1)
	PREFETCHT0 (PFD+1632)(R8)(BX*1)
	PREFETCHT0 (PFD+1696)(R8)(BX*1)
	Q3KSCALES
	Q3KPASS(0, 0, VPSLLD, 2, 1, IACCFIRST, q3kRows0)
	Q3KPASS(0, 2, VPSRLD, 0, 1, IACCNEXT, q3kRows1)
	Q3KPASS(1, 0, VPSRLD, 2, 3, IACCNEXT, q3kRows2)
	Q3KPASS(1, 2, VPSRLD, 4, 5, IACCLAST, q3kRows3)
	ADDQ $1760, BX
	ADDQ $292, SI
	MOVQ DI, R15
	DECQ R14
	JNZ  q3kBlock

	TILEEPILOGUE(out_base+120(FP), outStride+144(FP))
	RET

// ---------------------------------------------------------------- prep

// func prepQ8_1AVX512(a []byte, rows, nb int, prep []uint64)
// For block b of row r: prep[b*rows+r] = float32(d) | float32(s)<<32.
TEXT ·prepQ8_1AVX512(SB), NOSPLIT, $0-64
	MOVQ a_base+0(FP), SI
	MOVQ rows+24(FP), R8
	MOVQ nb+32(FP), R9
	MOVQ prep_base+40(FP), DI
	MOVQ R8, R10
	SHLQ $3, R10                   // bytes between the blocks of a row in prep

prep1Row:
	MOVQ DI, R11
	MOVQ R9, R12

prep1Block:
	VMOVD     (SI), X0
	VCVTPH2PS X0, X0
	VMOVQ     X0, (R11)
	ADDQ      $36, SI
	ADDQ      R10, R11
	DECQ      R12
	JNZ       prep1Block

	ADDQ $8, DI
	DECQ R8
	JNZ  prep1Row
	VZEROUPPER
	RET
