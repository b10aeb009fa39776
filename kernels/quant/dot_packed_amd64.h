// Macros shared by the AVX-512 packed tile kernels (dot_rows_amd64.s,
// dot_packed_more_amd64.s): the tile's registers (see dot_rows_amd64.s),
// its loads and prefetches, and the accumulators' set-up and store.

// TILEPROLOGUE(ab, ACC): the registers above for activation blocks of ab
// bytes, and the accumulators (ACC, the acc argument) zeroed.
#define TILEPROLOGUE(ab, ACC) \
	MOVQ    w_base+0(FP), R8; \
	MOVQ    wRows+24(FP), CX; \
	MOVL    $1, AX; \
	SHLL    CX, AX; \
	DECL    AX; \
	KMOVW   AX, K1; \
	MOVQ    nb+64(FP), R13; \
	IMULQ   $ab, R13; \
	MOVQ    a_base+32(FP), SI; \
	MOVQ    nb+64(FP), R14; \
	XORQ    BX, BX; \
	MOVQ    ACC, R12; \
	VPXORD  Z16, Z16, Z16; \
	MOVQ    aRows+56(FP), CX; \
	MOVQ    R12, R11; \
zeroLoop: \
	VMOVUPS Z16, (R11); \
	ADDQ    $64, R11; \
	DECQ    CX; \
	JNZ     zeroLoop

// TILEEPILOGUE(OUT, STRIDE): the accumulators to the out argument OUT,
// rows STRIDE (the outStride argument) elements apart, lanes K1 only.
#define TILEEPILOGUE(OUT, STRIDE) \
	MOVQ    aRows+56(FP), CX; \
	MOVQ    R12, R11; \
	MOVQ    OUT, R10; \
	MOVQ    STRIDE, DX; \
	SHLQ    $2, DX; \
storeLoop: \
	VMOVUPS (R11), Z16; \
	VMOVUPS Z16, K1, (R10); \
	ADDQ    $64, R11; \
	ADDQ    DX, R10; \
	DECQ    CX; \
	JNZ     storeLoop; \
	VZEROUPPER

// PFD is how far ahead of the current block the packed kernels prefetch,
// in bytes: a packed matrix is one stream, which the hardware prefetchers
// alone follow too slowly for a single activation row.
#define PFD 8192

// PREFETCH4(off), PREFETCH8(off): prefetch 4 (8) 64-byte lines at off + PFD
// from the current block.
#define PREFETCH4(off) \
	PREFETCHT0 (off+PFD)(R8)(BX*1); \
	PREFETCHT0 (off+PFD+64)(R8)(BX*1); \
	PREFETCHT0 (off+PFD+128)(R8)(BX*1); \
	PREFETCHT0 (off+PFD+192)(R8)(BX*1)

#define PREFETCH8(off) \
	PREFETCH4(off); \
	PREFETCH4(off+256)

// LOAD4(off): Z9..Z12 = the four 64-byte rows of the tile at off from the
// current block: in the packed layout, dword lane i of each holds a dword
// of weight row i. It prefetches the same rows PFD bytes ahead.
#define LOAD4(off) \
	PREFETCH4(off); \
	VMOVDQU64 (off)(R8)(BX*1), Z9; \
	VMOVDQU64 (off+64)(R8)(BX*1), Z10; \
	VMOVDQU64 (off+128)(R8)(BX*1), Z11; \
	VMOVDQU64 (off+192)(R8)(BX*1), Z12

// WSCALES: Z8 = the 16 weight rows' f16 scales at the start of the current
// block, as float32.
#define WSCALES VCVTPH2PS (R8)(BX*1), Z8

// IACCFIRST, IACCNEXT, IACCLAST: the end of a pass for one activation row
// (its int32 sums of the pass in Z9, its accumulators at R11, its Q8_K
// block at R10): store Z9 to the int32 accumulators, add them to it, or
// add them to it and acc + (d·yd)·S into the float32 accumulators (d in
// Z8).
#define IACCFIRST VMOVDQU64 Z9, (R11)(R9*1)

#define IACCNEXT \
	VPADDD    (R11)(R9*1), Z9, Z9; \
	VMOVDQU64 Z9, (R11)(R9*1)

#define IACCLAST \
	VPADDD      (R11)(R9*1), Z9, Z9; \
	VCVTDQ2PS   Z9, Z9; \
	VMULPS.BCST (R10), Z8, Z12; \
	VMOVUPS     (R11), Z13; \
	VFMADD231PS Z12, Z9, Z13; \
	VMOVUPS     Z13, (R11)
