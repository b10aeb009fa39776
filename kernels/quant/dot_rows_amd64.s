//go:build !purego

#include "textflag.h"
#include "dot_packed_amd64.h"

// The AVX-512 VNNI and AVX2 tile kernels of DotRows; dot_rows_amd64.go has
// their Go declarations, the definitions they equal and the layout they
// use. The AVX2 section below says what differs there.
//
// Register use common to the tile kernels:
//
//	Z0..Z7    the transposed weight quants of the current (sub-)block:
//	          dword lane i of Zg holds quants 4g..4g+3 of weight row i,
//	          unsigned (Q4_K, Q6_K: also Z16..Z23 for a second group)
//	Z31       constant bytes (0x0f, or 0x80 for Q8_0)
//	R8        the tile (packed layout, see packed.go)
//	BX        byte offset of the current block within the tile
//	SI        the current block of activation row 0
//	R12       the accumulators: 16 float32 per activation row
//	R13       bytes per activation row
//	R14       blocks left
//	R15       Q6_K: the prep entries of the current block
//	R9        Q4_K, Q6_K: 64·aRows, the offset of the int32 accumulators
//	K1        the lanes of the tile's weight rows

DATA rowsBytes0x0f<>+0(SB)/4, $0x0f0f0f0f
GLOBL rowsBytes0x0f<>(SB), RODATA|NOPTR, $4

DATA rowsBytes0x80<>+0(SB)/4, $0x80808080
GLOBL rowsBytes0x80<>(SB), RODATA|NOPTR, $4

DATA rowsBytes0x01<>+0(SB)/4, $0x01010101
GLOBL rowsBytes0x01<>(SB), RODATA|NOPTR, $4

DATA rowsBytes0x3f<>+0(SB)/4, $0x3f3f3f3f
GLOBL rowsBytes0x3f<>(SB), RODATA|NOPTR, $4

DATA rowsBytes0x30<>+0(SB)/4, $0x30303030
GLOBL rowsBytes0x30<>(SB), RODATA|NOPTR, $4

// VPSHUFB indexes: in q4kByteIdx+64j, byte j of each dword, zero-extended
// to the dword; in q4kWordIdx+64j, byte j of each dword zero-extended to
// both words of the dword.
DATA q4kByteIdx<>+0(SB)/8, $0x8080800480808000
DATA q4kByteIdx<>+8(SB)/8, $0x8080800c80808008
DATA q4kByteIdx<>+16(SB)/8, $0x8080800480808000
DATA q4kByteIdx<>+24(SB)/8, $0x8080800c80808008
DATA q4kByteIdx<>+32(SB)/8, $0x8080800480808000
DATA q4kByteIdx<>+40(SB)/8, $0x8080800c80808008
DATA q4kByteIdx<>+48(SB)/8, $0x8080800480808000
DATA q4kByteIdx<>+56(SB)/8, $0x8080800c80808008
DATA q4kByteIdx<>+64(SB)/8, $0x8080800580808001
DATA q4kByteIdx<>+72(SB)/8, $0x8080800d80808009
DATA q4kByteIdx<>+80(SB)/8, $0x8080800580808001
DATA q4kByteIdx<>+88(SB)/8, $0x8080800d80808009
DATA q4kByteIdx<>+96(SB)/8, $0x8080800580808001
DATA q4kByteIdx<>+104(SB)/8, $0x8080800d80808009
DATA q4kByteIdx<>+112(SB)/8, $0x8080800580808001
DATA q4kByteIdx<>+120(SB)/8, $0x8080800d80808009
DATA q4kByteIdx<>+128(SB)/8, $0x8080800680808002
DATA q4kByteIdx<>+136(SB)/8, $0x8080800e8080800a
DATA q4kByteIdx<>+144(SB)/8, $0x8080800680808002
DATA q4kByteIdx<>+152(SB)/8, $0x8080800e8080800a
DATA q4kByteIdx<>+160(SB)/8, $0x8080800680808002
DATA q4kByteIdx<>+168(SB)/8, $0x8080800e8080800a
DATA q4kByteIdx<>+176(SB)/8, $0x8080800680808002
DATA q4kByteIdx<>+184(SB)/8, $0x8080800e8080800a
DATA q4kByteIdx<>+192(SB)/8, $0x8080800780808003
DATA q4kByteIdx<>+200(SB)/8, $0x8080800f8080800b
DATA q4kByteIdx<>+208(SB)/8, $0x8080800780808003
DATA q4kByteIdx<>+216(SB)/8, $0x8080800f8080800b
DATA q4kByteIdx<>+224(SB)/8, $0x8080800780808003
DATA q4kByteIdx<>+232(SB)/8, $0x8080800f8080800b
DATA q4kByteIdx<>+240(SB)/8, $0x8080800780808003
DATA q4kByteIdx<>+248(SB)/8, $0x8080800f8080800b
GLOBL q4kByteIdx<>(SB), RODATA|NOPTR, $256

DATA q4kWordIdx<>+0(SB)/8, $0x8004800480008000
DATA q4kWordIdx<>+8(SB)/8, $0x800c800c80088008
DATA q4kWordIdx<>+16(SB)/8, $0x8004800480008000
DATA q4kWordIdx<>+24(SB)/8, $0x800c800c80088008
DATA q4kWordIdx<>+32(SB)/8, $0x8004800480008000
DATA q4kWordIdx<>+40(SB)/8, $0x800c800c80088008
DATA q4kWordIdx<>+48(SB)/8, $0x8004800480008000
DATA q4kWordIdx<>+56(SB)/8, $0x800c800c80088008
DATA q4kWordIdx<>+64(SB)/8, $0x8005800580018001
DATA q4kWordIdx<>+72(SB)/8, $0x800d800d80098009
DATA q4kWordIdx<>+80(SB)/8, $0x8005800580018001
DATA q4kWordIdx<>+88(SB)/8, $0x800d800d80098009
DATA q4kWordIdx<>+96(SB)/8, $0x8005800580018001
DATA q4kWordIdx<>+104(SB)/8, $0x800d800d80098009
DATA q4kWordIdx<>+112(SB)/8, $0x8005800580018001
DATA q4kWordIdx<>+120(SB)/8, $0x800d800d80098009
DATA q4kWordIdx<>+128(SB)/8, $0x8006800680028002
DATA q4kWordIdx<>+136(SB)/8, $0x800e800e800a800a
DATA q4kWordIdx<>+144(SB)/8, $0x8006800680028002
DATA q4kWordIdx<>+152(SB)/8, $0x800e800e800a800a
DATA q4kWordIdx<>+160(SB)/8, $0x8006800680028002
DATA q4kWordIdx<>+168(SB)/8, $0x800e800e800a800a
DATA q4kWordIdx<>+176(SB)/8, $0x8006800680028002
DATA q4kWordIdx<>+184(SB)/8, $0x800e800e800a800a
DATA q4kWordIdx<>+192(SB)/8, $0x8007800780038003
DATA q4kWordIdx<>+200(SB)/8, $0x800f800f800b800b
DATA q4kWordIdx<>+208(SB)/8, $0x8007800780038003
DATA q4kWordIdx<>+216(SB)/8, $0x800f800f800b800b
DATA q4kWordIdx<>+224(SB)/8, $0x8007800780038003
DATA q4kWordIdx<>+232(SB)/8, $0x800f800f800b800b
DATA q4kWordIdx<>+240(SB)/8, $0x8007800780038003
DATA q4kWordIdx<>+248(SB)/8, $0x800f800f800b800b
GLOBL q4kWordIdx<>(SB), RODATA|NOPTR, $256

// ---------------------------------------------------------------- tiles

// ROWPTRS(tile) stores the pointers to the tile (16 or 8) weight rows of
// the tile at 0(SP): row k at R8 + min(k, wRows-1)·R9. Clobbers AX, CX,
// DX.
#define ROWPTRS(tile) \
	MOVQ  R8, DX; \
	MOVQ  wRows+24(FP), CX; \
	XORQ  AX, AX; \
rowptrLoop: \
	MOVQ  DX, 0(SP)(AX*8); \
	INCQ  AX; \
	CMPQ  AX, $tile; \
	JGE   rowptrDone; \
	CMPQ  AX, CX; \
	JGE   rowptrLoop; \
	ADDQ  R9, DX; \
	JMP   rowptrLoop; \
rowptrDone:

// ---------------------------------------------------------------- Q4_0, Q8_0

// ROWLOOP32(loop): for each of the aRows activation rows, its Q8_0 block
// at SI (quants at 2(SI)..33(SI)) against the 16 weight rows in Z0..Z7
// (scales in Z8): the int32 sum starts at the prep entry's offset
// correction, and VPDPBUSD adds Σ q·a four quants at a time for all 16
// rows, in two chains; the float sum times the activation scale times the
// weight scales is added to the row's accumulators. DI walks the prep
// entries of the block, one per activation row. Clobbers CX, R10, R11,
// Z16, Z17.
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
	VMULPS.BCST      4(DI), Z16, Z16; \
	VFMADD213PS      (R11), Z8, Z16; \
	VMOVUPS          Z16, (R11); \
	ADDQ             R13, R10; \
	ADDQ             $8, DI; \
	ADDQ             $64, R11; \
	DECQ             CX; \
	JNZ              loop

// func dotRowsQ4_0AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)
TEXT ·dotRowsQ4_0AVX512(SB), NOSPLIT, $0-152
	TILEPROLOGUE(34, acc_base+96(FP))
	MOVQ         prep_base+72(FP), DI
	VPBROADCASTD rowsBytes0x0f<>(SB), Z31

q40Block:
	// Quants: low nibbles of qs[4g..4g+3] are elements 4g..4g+3, high
	// nibbles elements 16+4g..16+4g+3.
	LOAD4(32)
	VPANDD Z31, Z9, Z0
	VPANDD Z31, Z10, Z1
	VPANDD Z31, Z11, Z2
	VPANDD Z31, Z12, Z3
	VPSRLD $4, Z9, Z4
	VPSRLD $4, Z10, Z5
	VPSRLD $4, Z11, Z6
	VPSRLD $4, Z12, Z7
	VPANDD Z31, Z4, Z4
	VPANDD Z31, Z5, Z5
	VPANDD Z31, Z6, Z6
	VPANDD Z31, Z7, Z7
	WSCALES
	ROWLOOP32(q40Rows)
	ADDQ $288, BX
	ADDQ $34, SI
	DECQ R14
	JNZ  q40Block

	TILEEPILOGUE(out_base+120(FP), outStride+144(FP))
	RET

// func dotRowsQ8_0AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)
TEXT ·dotRowsQ8_0AVX512(SB), NOSPLIT, $0-152
	TILEPROLOGUE(34, acc_base+96(FP))
	MOVQ         prep_base+72(FP), DI
	VPBROADCASTD rowsBytes0x80<>(SB), Z31

q80Block:
	// Quants w+128 (unsigned): elements 0..15, then 16..31.
	LOAD4(32)
	VPXORD Z31, Z9, Z0
	VPXORD Z31, Z10, Z1
	VPXORD Z31, Z11, Z2
	VPXORD Z31, Z12, Z3
	LOAD4(288)
	VPXORD Z31, Z9, Z4
	VPXORD Z31, Z10, Z5
	VPXORD Z31, Z11, Z6
	VPXORD Z31, Z12, Z7
	WSCALES
	ROWLOOP32(q80Rows)
	ADDQ $544, BX
	ADDQ $34, SI
	DECQ R14
	JNZ  q80Block

	TILEEPILOGUE(out_base+120(FP), outStride+144(FP))
	RET

// ---------------------------------------------------------------- Q4_K, Q6_K

// The Q4_K and Q6_K kernels follow the definitions' order: for each
// super-block and activation row they sum the exact int32 S = Σ_s sc_s·Σ q·a
// over all the sub-blocks (Q6_K: Σ sc_s·(q-32)·a), convert it once and
// multiply it by d·yd, the scales multiplied first as in the definitions;
// Q4_K also subtracts (dmin·yd)·Σ_s m_s·bsum_s. (Multiplying d by the
// sub-block scales first rounds very differently where d·yd is subnormal.)
// S builds up over several passes of the activation rows, one per group of
// sub-blocks, in int32 accumulators in the second half of acc: 16 per
// activation row, R9 = 64·aRows bytes after the float32 ones. The first
// pass stores them, the others add to them, the last converts them.

// Frame of the Q4_K kernel: 64s(SP): sub-block s's scale sc of the 16
// weight rows, int32.

// Q4KSCALES: the frame's scales of the current super-block, d in Z8, dmin
// in Z14 and sub-block s's min m as the int16 pair (m, m) in Zs (s =
// 0..7). The first 16 bytes of a row, transposed, are (d, dmin) in Z9 and
// the 12 scale bytes s[0..11] in Z10..Z12; see kScaleMin.
#define Q4KSCALES \
	LOAD4(0); \
	VPMOVDW       Z9, Y13; \
	VCVTPH2PS     Y13, Z8; \
	VPSRLD        $16, Z9, Z13; \
	VPMOVDW       Z13, Y13; \
	VCVTPH2PS     Y13, Z14; \
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
	Q4KSCALE(Z15, 0, 0); \
	Q4KSCALE(Z15, 1, 1); \
	Q4KSCALE(Z15, 2, 2); \
	Q4KSCALE(Z15, 3, 3); \
	Q4KSCALE(Z26, 0, 4); \
	Q4KSCALE(Z26, 1, 5); \
	Q4KSCALE(Z26, 2, 6); \
	Q4KSCALE(Z26, 3, 7); \
	VPSHUFB       q4kWordIdx<>+0(SB), Z24, Z0; \
	VPSHUFB       q4kWordIdx<>+64(SB), Z24, Z1; \
	VPSHUFB       q4kWordIdx<>+128(SB), Z24, Z2; \
	VPSHUFB       q4kWordIdx<>+192(SB), Z24, Z3; \
	VPSHUFB       q4kWordIdx<>+0(SB), Z27, Z4; \
	VPSHUFB       q4kWordIdx<>+64(SB), Z27, Z5; \
	VPSHUFB       q4kWordIdx<>+128(SB), Z27, Z6; \
	VPSHUFB       q4kWordIdx<>+192(SB), Z27, Z7

// Q4KSCALE(Z, j, s): byte j of each dword of Z, zero-extended, into the
// frame for sub-block s.
#define Q4KSCALE(Z, j, s) \
	VPSHUFB   q4kByteIdx<>+(64*j)(SB), Z, Z13; \
	VMOVDQU64 Z13, (64*s)(SP)

// Q4KMINS(loop): for every activation row, Σ_s m_s·bsum_s (VPDPWSSD of
// the min pairs in Z0..Z7 with the pairs of the block's 16-quant sums, in
// two chains), then acc - (dmin·yd)·Σ into the row's accumulators.
#define Q4KMINS(loop) \
	MOVQ aRows+56(FP), CX; \
	MOVQ SI, R10; \
	MOVQ R12, R11; \
loop: \
	VPXORD          Z9, Z9, Z9; \
	VPXORD          Z10, Z10, Z10; \
	VPDPWSSD.BCST   260(R10), Z0, Z9; \
	VPDPWSSD.BCST   264(R10), Z1, Z10; \
	VPDPWSSD.BCST   268(R10), Z2, Z9; \
	VPDPWSSD.BCST   272(R10), Z3, Z10; \
	VPDPWSSD.BCST   276(R10), Z4, Z9; \
	VPDPWSSD.BCST   280(R10), Z5, Z10; \
	VPDPWSSD.BCST   284(R10), Z6, Z9; \
	VPDPWSSD.BCST   288(R10), Z7, Z10; \
	VPADDD          Z10, Z9, Z9; \
	VCVTDQ2PS       Z9, Z9; \
	VMULPS.BCST     (R10), Z14, Z12; \
	VMOVUPS         (R11), Z13; \
	VFNMADD231PS    Z12, Z9, Z13; \
	VMOVUPS         Z13, (R11); \
	ADDQ            R13, R10; \
	ADDQ            $64, R11; \
	DECQ            CX; \
	JNZ             loop

// Q4KCHUNK(c, END, loop): the 64 quants of sub-blocks 2c and 2c+1 (the
// low and high nibbles of qs[32c..32c+31], at 256 + 512c) against every
// activation row. Weights: sub-block 2c in Z0..Z7, 2c+1 in Z16..Z23; their
// scales in Z24, Z25. Per row: the int32 sums of the two sub-blocks (Z9,
// Z10), then sc·sum + sc'·sum' to the int32 accumulators by END (one of
// IACCFIRST, IACCNEXT, IACCLAST).
#define Q4KCHUNK(c, END, loop) \
	LOAD4(256+512*c); \
	VPANDD    Z31, Z9, Z0; \
	VPANDD    Z31, Z10, Z1; \
	VPANDD    Z31, Z11, Z2; \
	VPANDD    Z31, Z12, Z3; \
	VPSRLD    $4, Z9, Z16; \
	VPSRLD    $4, Z10, Z17; \
	VPSRLD    $4, Z11, Z18; \
	VPSRLD    $4, Z12, Z19; \
	VPANDD    Z31, Z16, Z16; \
	VPANDD    Z31, Z17, Z17; \
	VPANDD    Z31, Z18, Z18; \
	VPANDD    Z31, Z19, Z19; \
	LOAD4(512+512*c); \
	VPANDD    Z31, Z9, Z4; \
	VPANDD    Z31, Z10, Z5; \
	VPANDD    Z31, Z11, Z6; \
	VPANDD    Z31, Z12, Z7; \
	VPSRLD    $4, Z9, Z20; \
	VPSRLD    $4, Z10, Z21; \
	VPSRLD    $4, Z11, Z22; \
	VPSRLD    $4, Z12, Z23; \
	VPANDD    Z31, Z20, Z20; \
	VPANDD    Z31, Z21, Z21; \
	VPANDD    Z31, Z22, Z22; \
	VPANDD    Z31, Z23, Z23; \
	VMOVDQU64 (64*(2*c))(SP), Z24; \
	VMOVDQU64 (64*(2*c+1))(SP), Z25; \
	MOVQ      aRows+56(FP), CX; \
	MOVQ      SI, R10; \
	MOVQ      R12, R11; \
loop: \
	VPXORD          Z9, Z9, Z9; \
	VPXORD          Z10, Z10, Z10; \
	VPDPBUSD.BCST   (4+64*c)(R10), Z0, Z9; \
	VPDPBUSD.BCST   (36+64*c)(R10), Z16, Z10; \
	VPDPBUSD.BCST   (8+64*c)(R10), Z1, Z9; \
	VPDPBUSD.BCST   (40+64*c)(R10), Z17, Z10; \
	VPDPBUSD.BCST   (12+64*c)(R10), Z2, Z9; \
	VPDPBUSD.BCST   (44+64*c)(R10), Z18, Z10; \
	VPDPBUSD.BCST   (16+64*c)(R10), Z3, Z9; \
	VPDPBUSD.BCST   (48+64*c)(R10), Z19, Z10; \
	VPDPBUSD.BCST   (20+64*c)(R10), Z4, Z9; \
	VPDPBUSD.BCST   (52+64*c)(R10), Z20, Z10; \
	VPDPBUSD.BCST   (24+64*c)(R10), Z5, Z9; \
	VPDPBUSD.BCST   (56+64*c)(R10), Z21, Z10; \
	VPDPBUSD.BCST   (28+64*c)(R10), Z6, Z9; \
	VPDPBUSD.BCST   (60+64*c)(R10), Z22, Z10; \
	VPDPBUSD.BCST   (32+64*c)(R10), Z7, Z9; \
	VPDPBUSD.BCST   (64+64*c)(R10), Z23, Z10; \
	VPMULLD         Z24, Z9, Z9; \
	VPMULLD         Z25, Z10, Z10; \
	VPADDD          Z10, Z9, Z9; \
	END; \
	ADDQ            R13, R10; \
	ADDQ            $64, R11; \
	DECQ            CX; \
	JNZ             loop

// func dotRowsQ4_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, acc, out []float32, outStride int)
TEXT ·dotRowsQ4_KAVX512(SB), 0, $512-128
	TILEPROLOGUE(292, acc_base+72(FP))
	MOVQ         aRows+56(FP), R9
	SHLQ         $6, R9
	VPBROADCASTD rowsBytes0x0f<>(SB), Z31
	VPBROADCASTD rowsBytes0x3f<>(SB), Z30

q4kBlock:
	Q4KSCALES
	Q4KMINS(q4kMins)
	Q4KCHUNK(0, IACCFIRST, q4kRows0)
	Q4KCHUNK(1, IACCNEXT, q4kRows1)
	Q4KCHUNK(2, IACCNEXT, q4kRows2)
	Q4KCHUNK(3, IACCLAST, q4kRows3)
	ADDQ $2304, BX
	ADDQ $292, SI
	DECQ R14
	JNZ  q4kBlock

	TILEEPILOGUE(out_base+96(FP), outStride+120(FP))
	RET

// Frame of the Q6_K kernel: 64s(SP): sub-block s's scale sc of the 16
// weight rows, int32; 1024(SP) + 64j: the int16 pairs (-32·sc, -32·sc')
// of sub-blocks 2j and 2j+1. In the packed layout a block holds the 16
// f16 d (32 bytes), then the dwords of ql (128 bytes), qh (64) and the
// scales (16): dword g of a row at 32 + 64g.

// VPSHUFB indexes (for each 128-bit lane, broadcast): in q6kPairIdx+16h,
// bytes 2h and 2h+1 of each dword to the high bytes of its two words.
DATA q6kPairIdx<>+0(SB)/8, $0x0580048001800080
DATA q6kPairIdx<>+8(SB)/8, $0x0d800c8009800880
DATA q6kPairIdx<>+16(SB)/8, $0x0780068003800280
DATA q6kPairIdx<>+24(SB)/8, $0x0f800e800b800a80
GLOBL q6kPairIdx<>(SB), RODATA|NOPTR, $32

// Q6KSC(Z, left, s): the frame's sc for sub-block s: a byte of each dword
// of Z (the transposed scales), moved to the top by a left shift and
// sign-extended back.
#define Q6KSC(Z, left, s) \
	VPSLLD    $left, Z, Z13; \
	VPSRAD    $24, Z13, Z13; \
	VMOVDQU64 Z13, (64*s)(SP)

// Q6KPAIR(Z, IDX, j): the frame's pair j from the scale bytes of Z picked
// by IDX (Z28 or Z29): sc·256 in each word, shifted to sc·32 and negated
// (Z15 is zero).
#define Q6KPAIR(Z, IDX, j) \
	VPSHUFB   IDX, Z, Z13; \
	VPSRAW    $3, Z13, Z13; \
	VPSUBW    Z13, Z15, Z13; \
	VMOVDQU64 Z13, (1024+64*j)(SP)

// Q6KSCALES: the frame's scales and pairs of the current super-block (the
// scale dwords at 3104), d in Z8.
#define Q6KSCALES \
	WSCALES; \
	LOAD4(3104); \
	Q6KSC(Z9, 24, 0); \
	Q6KSC(Z9, 16, 1); \
	Q6KSC(Z9, 8, 2); \
	Q6KSC(Z9, 0, 3); \
	Q6KSC(Z10, 24, 4); \
	Q6KSC(Z10, 16, 5); \
	Q6KSC(Z10, 8, 6); \
	Q6KSC(Z10, 0, 7); \
	Q6KSC(Z11, 24, 8); \
	Q6KSC(Z11, 16, 9); \
	Q6KSC(Z11, 8, 10); \
	Q6KSC(Z11, 0, 11); \
	Q6KSC(Z12, 24, 12); \
	Q6KSC(Z12, 16, 13); \
	Q6KSC(Z12, 8, 14); \
	Q6KSC(Z12, 0, 15); \
	VPXORD  Z15, Z15, Z15; \
	Q6KPAIR(Z9, Z28, 0); \
	Q6KPAIR(Z9, Z29, 1); \
	Q6KPAIR(Z10, Z28, 2); \
	Q6KPAIR(Z10, Z29, 3); \
	Q6KPAIR(Z11, Z28, 4); \
	Q6KPAIR(Z11, Z29, 5); \
	Q6KPAIR(Z12, Z28, 6); \
	Q6KPAIR(Z12, Z29, 7)

// The quants of group k of a chunk: the ql nibble (QL at the tile's offset
// o: low nibbles for k < 2, high ones for k >= 2) and two qh bits 2k, 2k+1
// (QH at offset o, moved to bits 4, 5), combined as ql | qh<<4 by
// VPTERNLOGD (0xe4: bits of Z31 = 0x0f from the first, the others from the
// second).
#define QLLO(o, g, Z) VMOVDQU64 (o+64*g)(R8)(BX*1), Z
#define QLHI(o, g, Z) VPSRLD $4, (o+64*g)(R8)(BX*1), Z
#define QH0(o, g, Z) VPSLLD $4, (o+64*g)(R8)(BX*1), Z
#define QH1(o, g, Z) VPSLLD $2, (o+64*g)(R8)(BX*1), Z
#define QH2(o, g, Z) VMOVDQU64 (o+64*g)(R8)(BX*1), Z
#define QH3(o, g, Z) VPSRLD $2, (o+64*g)(R8)(BX*1), Z

#define Q6KW(ql, qh, g, Z, QL, QH) \
	QL(ql, g, Z); \
	QH(qh, g, Z9); \
	VPANDD     Z30, Z9, Z9; \
	VPTERNLOGD $0xe4, Z31, Z9, Z

// Q6KWEIGHTS(ql, qh, QL, QH, Za, ..., Zh): Za..Zh = the quants of a group
// whose ql dwords are at offset ql of the tile and qh dwords at qh.
#define Q6KWEIGHTS(ql, qh, QL, QH, Za, Zb, Zc, Zd, Ze, Zf, Zg, Zh) \
	Q6KW(ql, qh, 0, Za, QL, QH); \
	Q6KW(ql, qh, 1, Zb, QL, QH); \
	Q6KW(ql, qh, 2, Zc, QL, QH); \
	Q6KW(ql, qh, 3, Zd, QL, QH); \
	Q6KW(ql, qh, 4, Ze, QL, QH); \
	Q6KW(ql, qh, 5, Zf, QL, QH); \
	Q6KW(ql, qh, 6, Zg, QL, QH); \
	Q6KW(ql, qh, 7, Zh, QL, QH)

// Q6KPASS(c, k, QHa, QHb, END, loop): groups k and k+2 (k = 0, 1) of chunk
// c, which share their ql bytes 64c+32k.. (low and high nibbles, dwords at
// 32 + 1024c + 512k) and qh bytes 32c.. (dwords at 2080 + 512c): elements
// 128c+32k.. and 128c+32k+64.., sub-blocks 8c+2k, +1, +4, +5, pairs 4c+k
// and 4c+k+2, quants in Z0..Z7 and Z16..Z23. For every activation row the
// int32 Σ q·a of each sub-block (Z9..Z12), times its scale, and the pairs'
// -32·(sc·bsum + sc'·bsum') (VPDPWSSD with the row's pairs of 16-quant
// sums made by prepQ8_KAVX512, from R15 on, 32 bytes per row) make
// Σ sc·(q-32)·a, which END adds to the int32 accumulators.
#define Q6KPASS(c, k, QHa, QHb, END, loop) \
	Q6KWEIGHTS(32+1024*c+512*k, 2080+512*c, QLLO, QHa, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	Q6KWEIGHTS(32+1024*c+512*k, 2080+512*c, QLHI, QHb, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23); \
	VMOVDQU64 (64*(8*c+2*k))(SP), Z24; \
	VMOVDQU64 (64*(8*c+2*k+1))(SP), Z25; \
	VMOVDQU64 (64*(8*c+2*k+4))(SP), Z26; \
	VMOVDQU64 (64*(8*c+2*k+5))(SP), Z27; \
	VMOVDQU64 (1024+64*(4*c+k))(SP), Z14; \
	VMOVDQU64 (1024+64*(4*c+k+2))(SP), Z15; \
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
	VPDPBUSD.BCST   (68+128*c+32*k)(R10), Z16, Z11; \
	VPDPBUSD.BCST   (84+128*c+32*k)(R10), Z20, Z12; \
	VPDPBUSD.BCST   (8+128*c+32*k)(R10), Z1, Z9; \
	VPDPBUSD.BCST   (24+128*c+32*k)(R10), Z5, Z10; \
	VPDPBUSD.BCST   (72+128*c+32*k)(R10), Z17, Z11; \
	VPDPBUSD.BCST   (88+128*c+32*k)(R10), Z21, Z12; \
	VPDPBUSD.BCST   (12+128*c+32*k)(R10), Z2, Z9; \
	VPDPBUSD.BCST   (28+128*c+32*k)(R10), Z6, Z10; \
	VPDPBUSD.BCST   (76+128*c+32*k)(R10), Z18, Z11; \
	VPDPBUSD.BCST   (92+128*c+32*k)(R10), Z22, Z12; \
	VPDPBUSD.BCST   (16+128*c+32*k)(R10), Z3, Z9; \
	VPDPBUSD.BCST   (32+128*c+32*k)(R10), Z7, Z10; \
	VPDPBUSD.BCST   (80+128*c+32*k)(R10), Z19, Z11; \
	VPDPBUSD.BCST   (96+128*c+32*k)(R10), Z23, Z12; \
	VPMULLD         Z24, Z9, Z9; \
	VPMULLD         Z25, Z10, Z10; \
	VPMULLD         Z26, Z11, Z11; \
	VPMULLD         Z27, Z12, Z12; \
	VPDPWSSD.BCST   (16*c+4*k)(DI), Z14, Z9; \
	VPDPWSSD.BCST   (16*c+4*k+8)(DI), Z15, Z11; \
	VPADDD          Z10, Z9, Z9; \
	VPADDD          Z12, Z11, Z11; \
	VPADDD          Z11, Z9, Z9; \
	END; \
	ADDQ            R13, R10; \
	ADDQ            $32, DI; \
	ADDQ            $64, R11; \
	DECQ            CX; \
	JNZ             loop

// func dotRowsQ6_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)
TEXT ·dotRowsQ6_KAVX512(SB), 0, $1536-152
	TILEPROLOGUE(292, acc_base+96(FP))
	MOVQ            aRows+56(FP), R9
	SHLQ            $6, R9
	MOVQ            prep_base+72(FP), R15
	VPBROADCASTD    rowsBytes0x0f<>(SB), Z31
	VPBROADCASTD    rowsBytes0x30<>(SB), Z30
	VBROADCASTI32X4 q6kPairIdx<>+0(SB), Z28
	VBROADCASTI32X4 q6kPairIdx<>+16(SB), Z29

q6kBlock:
	Q6KSCALES
	PREFETCH8(32)
	PREFETCH8(2080)
	Q6KPASS(0, 0, QH0, QH2, IACCFIRST, q6kRows0)
	PREFETCH8(544)
	Q6KPASS(0, 1, QH1, QH3, IACCNEXT, q6kRows1)
	PREFETCH8(1056)
	PREFETCH8(2592)
	Q6KPASS(1, 0, QH0, QH2, IACCNEXT, q6kRows2)
	PREFETCH8(1568)
	Q6KPASS(1, 1, QH1, QH3, IACCLAST, q6kRows3)
	ADDQ $3360, BX
	ADDQ $292, SI
	MOVQ DI, R15
	DECQ R14
	JNZ  q6kBlock

	TILEEPILOGUE(out_base+120(FP), outStride+144(FP))
	RET

// ---------------------------------------------------------------- AVX2

// The AVX2 tile kernels take 8 weight rows (the float32 lanes of a 256-bit
// register). Without VNNI, VPMADDUBSW multiplies the unsigned weight quants
// (0..15) with four activation bytes broadcast to every lane and adds
// adjacent products into int16: |q·a + q'·a'| <= 3840, so the int16 sums
// of eight such pairs (32 quants) cannot overflow; VPMADDWD with ones then
// adds the two int16 of each dword. Registers: Y0..Y7 the transposed
// weight quants, Y15 int16 ones; the rest as in the AVX-512 kernels, with
// 32 bytes of accumulators per activation row.

DATA rowsWords0x0001<>+0(SB)/4, $0x00010001
GLOBL rowsWords0x0001<>(SB), RODATA|NOPTR, $4

DATA rowsLanes<>+0(SB)/8, $0x0000000100000000
DATA rowsLanes<>+8(SB)/8, $0x0000000300000002
DATA rowsLanes<>+16(SB)/8, $0x0000000500000004
DATA rowsLanes<>+24(SB)/8, $0x0000000700000006
GLOBL rowsLanes<>(SB), RODATA|NOPTR, $32

DATA rowsMask0x0f<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA rowsMask0x0f<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA rowsMask0x0f<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA rowsMask0x0f<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL rowsMask0x0f<>(SB), RODATA|NOPTR, $32

DATA rowsMask0x3f<>+0(SB)/8, $0x3f3f3f3f3f3f3f3f
DATA rowsMask0x3f<>+8(SB)/8, $0x3f3f3f3f3f3f3f3f
DATA rowsMask0x3f<>+16(SB)/8, $0x3f3f3f3f3f3f3f3f
DATA rowsMask0x3f<>+24(SB)/8, $0x3f3f3f3f3f3f3f3f
GLOBL rowsMask0x3f<>(SB), RODATA|NOPTR, $32

DATA rowsMask0x30<>+0(SB)/8, $0x3030303030303030
DATA rowsMask0x30<>+8(SB)/8, $0x3030303030303030
DATA rowsMask0x30<>+16(SB)/8, $0x3030303030303030
DATA rowsMask0x30<>+24(SB)/8, $0x3030303030303030
GLOBL rowsMask0x30<>(SB), RODATA|NOPTR, $32

// TILEPROLOGUE2(wb, ab, ACC): TILEPROLOGUE for 8-row tiles.
#define TILEPROLOGUE2(wb, ab, ACC) \
	MOVQ         w_base+0(FP), R8; \
	MOVQ         nb+64(FP), R9; \
	IMULQ        $wb, R9; \
	ROWPTRS(8); \
	MOVQ         nb+64(FP), R13; \
	IMULQ        $ab, R13; \
	MOVQ         a_base+32(FP), SI; \
	MOVQ         nb+64(FP), R14; \
	XORQ         BX, BX; \
	MOVQ         ACC, R12; \
	VPXOR        Y9, Y9, Y9; \
	MOVQ         aRows+56(FP), CX; \
	MOVQ         R12, R11; \
zeroLoop: \
	VMOVUPS      Y9, (R11); \
	ADDQ         $32, R11; \
	DECQ         CX; \
	JNZ          zeroLoop; \
	VPBROADCASTD rowsWords0x0001<>(SB), Y15

// TILEEPILOGUE2(OUT, STRIDE): the accumulators to out, lanes below wRows
// only (VMASKMOVPS with the mask wRows > lane).
#define TILEEPILOGUE2(OUT, STRIDE) \
	MOVQ         wRows+24(FP), AX; \
	VMOVD        AX, X14; \
	VPBROADCASTD X14, Y14; \
	VMOVDQU      rowsLanes<>(SB), Y13; \
	VPCMPGTD     Y13, Y14, Y14; \
	MOVQ         aRows+56(FP), CX; \
	MOVQ         R12, R11; \
	MOVQ         OUT, R10; \
	MOVQ         STRIDE, DX; \
	SHLQ         $2, DX; \
storeLoop: \
	VMOVUPS      (R11), Y13; \
	VMASKMOVPS   Y13, Y14, (R10); \
	ADDQ         $32, R11; \
	ADDQ         DX, R10; \
	DECQ         CX; \
	JNZ          storeLoop; \
	VZEROUPPER

// GATHER2(off, j, X, Y): Y = the 16 bytes at off from the current block
// of weight rows j and j+4, in its two 128-bit lanes.
#define GATHER2(off, j, X, Y) \
	MOVQ        (8*(j))(SP), AX; \
	VMOVDQU     off(AX)(BX*1), X; \
	MOVQ        (8*(j+4))(SP), AX; \
	VINSERTI128 $1, off(AX)(BX*1), Y, Y

// TRANSPOSE8(off): dwords 0, 1, 2, 3 of the 16 bytes at off from the
// current block of the 8 weight rows into Y11, Y12, Y9, Y10: dword lane i
// of each is that dword of row i. Clobbers AX, Y13, Y14.
#define TRANSPOSE8(off) \
	GATHER2(off, 0, X9, Y9); \
	GATHER2(off, 1, X10, Y10); \
	GATHER2(off, 2, X11, Y11); \
	GATHER2(off, 3, X12, Y12); \
	VPUNPCKLDQ  Y10, Y9, Y13; \
	VPUNPCKHDQ  Y10, Y9, Y14; \
	VPUNPCKLDQ  Y12, Y11, Y9; \
	VPUNPCKHDQ  Y12, Y11, Y10; \
	VPUNPCKLQDQ Y9, Y13, Y11; \
	VPUNPCKHQDQ Y9, Y13, Y12; \
	VPUNPCKLQDQ Y10, Y14, Y9; \
	VPUNPCKHQDQ Y10, Y14, Y10

// NIBBLES8(shift, Za, Zb, Zc, Zd): Za..Zd = the nibbles (low for shift 0,
// high for 4) of the transposed Y11, Y12, Y9, Y10.
#define NIBBLES8(shift, Za, Zb, Zc, Zd) \
	VPSRLD $shift, Y11, Za; \
	VPSRLD $shift, Y12, Zb; \
	VPSRLD $shift, Y9, Zc; \
	VPSRLD $shift, Y10, Zd; \
	VPAND  rowsMask0x0f<>(SB), Za, Za; \
	VPAND  rowsMask0x0f<>(SB), Zb, Zb; \
	VPAND  rowsMask0x0f<>(SB), Zc, Zc; \
	VPAND  rowsMask0x0f<>(SB), Zd, Zd

// DOT8x32(ro): Y9 = the int32 Σ q·a of the 32 quants in Y0..Y7 with the
// 32 activation quants at ro(R10), for the 8 weight rows: two chains of
// int16 sums (Y9: quants 0..15, Y10: 16..31). Clobbers Y10..Y12.
#define DOT8x32(ro) \
	VPBROADCASTD ro(R10), Y9; \
	VPMADDUBSW   Y9, Y0, Y9; \
	VPBROADCASTD (ro+16)(R10), Y10; \
	VPMADDUBSW   Y10, Y4, Y10; \
	VPBROADCASTD (ro+4)(R10), Y11; \
	VPMADDUBSW   Y11, Y1, Y11; \
	VPADDW       Y11, Y9, Y9; \
	VPBROADCASTD (ro+20)(R10), Y12; \
	VPMADDUBSW   Y12, Y5, Y12; \
	VPADDW       Y12, Y10, Y10; \
	VPBROADCASTD (ro+8)(R10), Y11; \
	VPMADDUBSW   Y11, Y2, Y11; \
	VPADDW       Y11, Y9, Y9; \
	VPBROADCASTD (ro+24)(R10), Y12; \
	VPMADDUBSW   Y12, Y6, Y12; \
	VPADDW       Y12, Y10, Y10; \
	VPBROADCASTD (ro+12)(R10), Y11; \
	VPMADDUBSW   Y11, Y3, Y11; \
	VPADDW       Y11, Y9, Y9; \
	VPBROADCASTD (ro+28)(R10), Y12; \
	VPMADDUBSW   Y12, Y7, Y12; \
	VPADDW       Y12, Y10, Y10; \
	VPADDW       Y10, Y9, Y9; \
	VPMADDWD     Y15, Y9, Y9

// PACK4H(off, j, R): R = the f16 values at off from the current block of
// weight rows 4j..4j+3, row 4j in the low 16 bits. Clobbers AX.
#define PACK4H(off, j, R) \
	MOVQ    (8*(4*j+3))(SP), AX; \
	MOVWLZX off(AX)(BX*1), R; \
	SHLQ    $16, R; \
	MOVQ    (8*(4*j+2))(SP), AX; \
	MOVW    off(AX)(BX*1), R; \
	SHLQ    $16, R; \
	MOVQ    (8*(4*j+1))(SP), AX; \
	MOVW    off(AX)(BX*1), R; \
	SHLQ    $16, R; \
	MOVQ    (8*(4*j))(SP), AX; \
	MOVW    off(AX)(BX*1), R

// Q4_K with AVX2: sub-block by sub-block, each sub-block's terms scaled
// in the definition's order: (d·yd)·(sc·Σ q·a) - (dmin·yd)·(m·bsum), with
// sc·Σ q·a and m·bsum exact integers. Frame: 64(SP) + 32s: sub-block s's
// sc, int32; 320(SP) + 32s: its (m, m) int16 pairs; 576(SP): dmin;
// 608(SP): the current chunk's quants, transposed (Q4KCHUNK2). d is in Y8.

// Q4KSCALES2: the frame's scales, mins and dmin of the current
// super-block (see Q4KSCALES). VPACKUSDW and VPERMQ pack the low (high)
// halves of the (d, dmin) dwords into 8 halves.
#define Q4KSCALES2 \
	TRANSPOSE8(0); \
	VPSRLD      $16, Y11, Y13; \
	VPACKUSDW   Y13, Y13, Y13; \
	VPERMQ      $0x08, Y13, Y13; \
	VCVTPH2PS   X13, Y13; \
	VMOVUPS     Y13, 576(SP); \
	VPSLLD      $16, Y11, Y13; \
	VPSRLD      $16, Y13, Y13; \
	VPACKUSDW   Y13, Y13, Y13; \
	VPERMQ      $0x08, Y13, Y13; \
	VCVTPH2PS   X13, Y8; \
	VPAND       rowsMask0x3f<>(SB), Y12, Y0; \
	VPAND       rowsMask0x3f<>(SB), Y9, Y1; \
	VPAND       rowsMask0x0f<>(SB), Y10, Y2; \
	VPSRLD      $2, Y12, Y13; \
	VPAND       rowsMask0x30<>(SB), Y13, Y13; \
	VPOR        Y13, Y2, Y2; \
	VPSRLD      $4, Y10, Y3; \
	VPAND       rowsMask0x0f<>(SB), Y3, Y3; \
	VPSRLD      $2, Y9, Y13; \
	VPAND       rowsMask0x30<>(SB), Y13, Y13; \
	VPOR        Y13, Y3, Y3; \
	Q4KSCALE2(Y0, 0, 0); \
	Q4KSCALE2(Y0, 1, 1); \
	Q4KSCALE2(Y0, 2, 2); \
	Q4KSCALE2(Y0, 3, 3); \
	Q4KSCALE2(Y2, 0, 4); \
	Q4KSCALE2(Y2, 1, 5); \
	Q4KSCALE2(Y2, 2, 6); \
	Q4KSCALE2(Y2, 3, 7); \
	Q4KMIN2(Y1, 0, 0); \
	Q4KMIN2(Y1, 1, 1); \
	Q4KMIN2(Y1, 2, 2); \
	Q4KMIN2(Y1, 3, 3); \
	Q4KMIN2(Y3, 0, 4); \
	Q4KMIN2(Y3, 1, 5); \
	Q4KMIN2(Y3, 2, 6); \
	Q4KMIN2(Y3, 3, 7)

// Q4KSCALE2(Y, j, s): as Q4KSCALE. Q4KMIN2(Y, j, s): byte j of each
// dword of Y as an int16 pair into the frame for sub-block s.
#define Q4KSCALE2(Y, j, s) \
	VPSHUFB q4kByteIdx<>+(64*j)(SB), Y, Y13; \
	VMOVDQU Y13, (64+32*s)(SP)

#define Q4KMIN2(Y, j, s) \
	VPSHUFB q4kWordIdx<>+(64*j)(SB), Y, Y13; \
	VMOVDQU Y13, (320+32*s)(SP)

// Q4KCHUNK2(c): the 32 quant bytes qs[32c..32c+31] of the 8 weight rows,
// transposed, into the frame at 608(SP): dword g of each row in the g-th
// 32 bytes.
#define Q4KCHUNK2(c) \
	TRANSPOSE8(16+32*c); \
	VMOVDQU Y11, 608(SP); \
	VMOVDQU Y12, 640(SP); \
	VMOVDQU Y9, 672(SP); \
	VMOVDQU Y10, 704(SP); \
	TRANSPOSE8(32+32*c); \
	VMOVDQU Y11, 736(SP); \
	VMOVDQU Y12, 768(SP); \
	VMOVDQU Y9, 800(SP); \
	VMOVDQU Y10, 832(SP)

// Q4KNIB2(g, shift, Y): Y = the nibbles at shift of the g-th transposed
// dwords of Q4KCHUNK2.
#define Q4KNIB2(g, shift, Y) \
	VMOVDQU (608+32*g)(SP), Y; \
	VPSRLD  $shift, Y, Y; \
	VPAND   rowsMask0x0f<>(SB), Y, Y

// Q4KSUB2(s, shift, loop): sub-block s (the nibbles at shift of the chunk
// in the frame) against every activation row: the int32 sc·Σ q·a and
// m·bsum of the sub-block (VPMADDWD of the (m, m) pairs with the pair of
// 16-quant sums), then acc + (d·yd)·sc·Σ q·a - (dmin·yd)·m·bsum into the
// row's accumulators.
#define Q4KSUB2(s, shift, loop) \
	Q4KNIB2(0, shift, Y0); \
	Q4KNIB2(1, shift, Y1); \
	Q4KNIB2(2, shift, Y2); \
	Q4KNIB2(3, shift, Y3); \
	Q4KNIB2(4, shift, Y4); \
	Q4KNIB2(5, shift, Y5); \
	Q4KNIB2(6, shift, Y6); \
	Q4KNIB2(7, shift, Y7); \
	MOVQ aRows+56(FP), CX; \
	MOVQ SI, R10; \
	MOVQ R12, R11; \
loop: \
	DOT8x32(4+32*s); \
	VPMULLD      (64+32*s)(SP), Y9, Y9; \
	VPBROADCASTD (260+4*s)(R10), Y13; \
	VPMADDWD     (320+32*s)(SP), Y13, Y13; \
	VCVTDQ2PS    Y9, Y9; \
	VCVTDQ2PS    Y13, Y13; \
	VBROADCASTSS (R10), Y14; \
	VMULPS       Y14, Y8, Y10; \
	VMULPS       576(SP), Y14, Y11; \
	VMOVUPS      (R11), Y12; \
	VFMADD231PS  Y10, Y9, Y12; \
	VFNMADD231PS Y11, Y13, Y12; \
	VMOVUPS      Y12, (R11); \
	ADDQ         R13, R10; \
	ADDQ         $32, R11; \
	DECQ         CX; \
	JNZ          loop

// func dotRowsQ4_0AVX2(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)
TEXT ·dotRowsQ4_0AVX2(SB), NOSPLIT, $64-152
	TILEPROLOGUE2(18, 34, acc_base+96(FP))
	MOVQ prep_base+72(FP), DI

q40aBlock:
	TRANSPOSE8(2)
	NIBBLES8(0, Y0, Y1, Y2, Y3)
	NIBBLES8(4, Y4, Y5, Y6, Y7)
	PACK4H(0, 0, CX)
	PACK4H(0, 1, DX)
	VMOVQ     CX, X8
	VPINSRQ   $1, DX, X8, X8
	VCVTPH2PS X8, Y8
	MOVQ      aRows+56(FP), CX
	MOVQ      SI, R10
	MOVQ      R12, R11

q40aRows:
	DOT8x32(2)
	VPBROADCASTD (DI), Y10
	VPADDD       Y10, Y9, Y9
	VCVTDQ2PS    Y9, Y9
	VBROADCASTSS 4(DI), Y10
	VMULPS       Y10, Y9, Y9
	VFMADD213PS  (R11), Y8, Y9
	VMOVUPS      Y9, (R11)
	ADDQ         R13, R10
	ADDQ         $8, DI
	ADDQ         $32, R11
	DECQ         CX
	JNZ          q40aRows

	ADDQ $18, BX
	ADDQ $34, SI
	DECQ R14
	JNZ  q40aBlock

	TILEEPILOGUE2(out_base+120(FP), outStride+144(FP))
	RET

// func dotRowsQ4_KAVX2(w []byte, wRows int, a []byte, aRows, nb int, acc, out []float32, outStride int)
TEXT ·dotRowsQ4_KAVX2(SB), 0, $864-128
	TILEPROLOGUE2(144, 292, acc_base+72(FP))

q4kaBlock:
	Q4KSCALES2
	Q4KCHUNK2(0)
	Q4KSUB2(0, 0, q4kaRows0)
	Q4KSUB2(1, 4, q4kaRows1)
	Q4KCHUNK2(1)
	Q4KSUB2(2, 0, q4kaRows2)
	Q4KSUB2(3, 4, q4kaRows3)
	Q4KCHUNK2(2)
	Q4KSUB2(4, 0, q4kaRows4)
	Q4KSUB2(5, 4, q4kaRows5)
	Q4KCHUNK2(3)
	Q4KSUB2(6, 0, q4kaRows6)
	Q4KSUB2(7, 4, q4kaRows7)
	ADDQ $144, BX
	ADDQ $292, SI
	DECQ R14
	JNZ  q4kaBlock

	TILEEPILOGUE2(out_base+96(FP), outStride+120(FP))
	RET

// ---------------------------------------------------------------- prep

// func prepQ8_0AVX512(a []byte, rows, nb, shift int, prep []uint64)
// For block b of row r: prep[b*rows+r] = -(Σ q)<<shift | float32(d)<<32.
// Σ q is the sum of the VPDPBUSD of the quants with ones.
TEXT ·prepQ8_0AVX512(SB), NOSPLIT, $0-72
	MOVQ         a_base+0(FP), SI
	MOVQ         rows+24(FP), R8
	MOVQ         nb+32(FP), R9
	MOVQ         shift+40(FP), CX
	MOVQ         prep_base+48(FP), DI
	VPBROADCASTD rowsBytes0x01<>(SB), Y15
	MOVQ         R8, R10
	SHLQ         $3, R10                    // bytes between the blocks of a row in prep

prepRow:
	MOVQ DI, R11
	MOVQ R9, R12

prepBlock:
	VMOVDQU      2(SI), Y0
	VPXOR        Y1, Y1, Y1
	VPDPBUSD     Y0, Y15, Y1
	VEXTRACTI128 $1, Y1, X2
	VPADDD       X2, X1, X1
	VPSHUFD      $0x4e, X1, X2
	VPADDD       X2, X1, X1
	VPSHUFD      $0xb1, X1, X2
	VPADDD       X2, X1, X1
	VMOVD        X1, AX
	SHLL         CX, AX
	NEGL         AX
	MOVL         AX, (R11)
	MOVWLZX      (SI), AX
	VMOVD        AX, X3
	VCVTPH2PS    X3, X3
	VMOVSS       X3, 4(R11)
	ADDQ         $34, SI
	ADDQ         R10, R11
	DECQ         R12
	JNZ          prepBlock

	ADDQ $8, DI
	DECQ R8
	JNZ  prepRow
	VZEROUPPER
	RET

// VPERMD index: from the 4×4 dword transposes of prepQ8_KAVX512, where
// dword 4k+i holds the sum of 16-quant group 4i+k, to groups in order.
DATA q8kGroupIdx<>+0(SB)/8, $0x0000000400000000
DATA q8kGroupIdx<>+8(SB)/8, $0x0000000c00000008
DATA q8kGroupIdx<>+16(SB)/8, $0x0000000500000001
DATA q8kGroupIdx<>+24(SB)/8, $0x0000000d00000009
DATA q8kGroupIdx<>+32(SB)/8, $0x0000000600000002
DATA q8kGroupIdx<>+40(SB)/8, $0x0000000e0000000a
DATA q8kGroupIdx<>+48(SB)/8, $0x0000000700000003
DATA q8kGroupIdx<>+56(SB)/8, $0x0000000f0000000b
GLOBL q8kGroupIdx<>(SB), RODATA|NOPTR, $64

// func prepQ8_KAVX512(a []byte, rows, nb int, prep []uint64)
// For super-block b of row r: the 16 sums of 16 quants as int16, in the
// 32 bytes of prep[4*(b*rows+r):]. Each 64 quants give 16 dword sums of 4
// (VPDPBUSD with ones); a 4×4 transpose within each 128-bit lane of the
// four registers and their sum add each group of four.
TEXT ·prepQ8_KAVX512(SB), NOSPLIT, $0-64
	MOVQ         a_base+0(FP), SI
	MOVQ         rows+24(FP), R8
	MOVQ         nb+32(FP), R9
	MOVQ         prep_base+40(FP), DI
	VPBROADCASTD rowsBytes0x01<>(SB), Z15
	VMOVDQU64    q8kGroupIdx<>(SB), Z14
	MOVQ         R8, R10
	SHLQ         $5, R10                    // bytes between the blocks of a row in prep

prepKRow:
	MOVQ DI, R11
	MOVQ R9, R12

prepKBlock:
	VPXORD      Z0, Z0, Z0
	VPXORD      Z1, Z1, Z1
	VPXORD      Z2, Z2, Z2
	VPXORD      Z3, Z3, Z3
	VPDPBUSD    4(SI), Z15, Z0
	VPDPBUSD    68(SI), Z15, Z1
	VPDPBUSD    132(SI), Z15, Z2
	VPDPBUSD    196(SI), Z15, Z3
	VPUNPCKLDQ  Z1, Z0, Z4
	VPUNPCKHDQ  Z1, Z0, Z5
	VPUNPCKLDQ  Z3, Z2, Z6
	VPUNPCKHDQ  Z3, Z2, Z7
	VPUNPCKLQDQ Z6, Z4, Z0
	VPUNPCKHQDQ Z6, Z4, Z1
	VPUNPCKLQDQ Z7, Z5, Z2
	VPUNPCKHQDQ Z7, Z5, Z3
	VPADDD      Z1, Z0, Z0
	VPADDD      Z3, Z2, Z2
	VPADDD      Z2, Z0, Z0
	VPERMD      Z0, Z14, Z0
	VPMOVDW     Z0, (R11)
	ADDQ        $292, SI
	ADDQ        R10, R11
	DECQ        R12
	JNZ         prepKBlock

	ADDQ $32, DI
	DECQ R8
	JNZ  prepKRow
	VZEROUPPER
	RET

// func prepQ8_0AVX2(a []byte, rows, nb, shift int, prep []uint64)
// prepQ8_0AVX512 with AVX2: Σ q by VPMADDUBSW with ones and VPMADDWD.
TEXT ·prepQ8_0AVX2(SB), NOSPLIT, $0-72
	MOVQ         a_base+0(FP), SI
	MOVQ         rows+24(FP), R8
	MOVQ         nb+32(FP), R9
	MOVQ         shift+40(FP), CX
	MOVQ         prep_base+48(FP), DI
	VPBROADCASTD rowsBytes0x01<>(SB), Y15
	VPBROADCASTD rowsWords0x0001<>(SB), Y14
	MOVQ         R8, R10
	SHLQ         $3, R10

prep2Row:
	MOVQ DI, R11
	MOVQ R9, R12

prep2Block:
	VMOVDQU      2(SI), Y0
	VPMADDUBSW   Y0, Y15, Y1
	VPMADDWD     Y14, Y1, Y1
	VEXTRACTI128 $1, Y1, X2
	VPADDD       X2, X1, X1
	VPSHUFD      $0x4e, X1, X2
	VPADDD       X2, X1, X1
	VPSHUFD      $0xb1, X1, X2
	VPADDD       X2, X1, X1
	VMOVD        X1, AX
	SHLL         CX, AX
	NEGL         AX
	MOVL         AX, (R11)
	MOVWLZX      (SI), AX
	VMOVD        AX, X3
	VCVTPH2PS    X3, X3
	VMOVSS       X3, 4(R11)
	ADDQ         $34, SI
	ADDQ         R10, R11
	DECQ         R12
	JNZ          prep2Block

	ADDQ $8, DI
	DECQ R8
	JNZ  prep2Row
	VZEROUPPER
	RET
