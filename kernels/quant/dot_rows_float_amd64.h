// Macros shared by the F16, BF16 and F32 tile kernels of DotRows
// (dot_rows_f16_amd64.s, dot_rows_bf16_amd64.s, dot_rows_f32_amd64.s),
// which differ only in their loads: the same registers, the same
// weight-row setup and the same sums of the accumulators' lanes.

// FWROWS<tw>(ESH) sets R8..R8+tw-1 to the weight rows, repeating the last
// of the wRows, and BX to the stride, R12 to activation row 0, CX to m
// elements in bytes (m<<ESH) and DX to 0.
#define FWROWS4(ESH) \
	MOVQ    w_base+0(FP), R8; \
	MOVQ    wRows+24(FP), AX; \
	MOVQ    stride+64(FP), BX; \
	LEAQ    (R8)(BX*1), R9; \
	CMPQ    AX, $2; \
	CMOVQLT R8, R9; \
	LEAQ    (R9)(BX*1), R10; \
	CMPQ    AX, $3; \
	CMOVQLT R9, R10; \
	LEAQ    (R10)(BX*1), R11; \
	CMPQ    AX, $4; \
	CMOVQLT R10, R11; \
	MOVQ    a_base+32(FP), R12; \
	MOVQ    m+56(FP), CX; \
	SHLQ    ESH, CX; \
	XORL    DX, DX

#define FWROWS2(ESH) \
	MOVQ    w_base+0(FP), R8; \
	MOVQ    wRows+24(FP), AX; \
	MOVQ    stride+64(FP), BX; \
	LEAQ    (R8)(BX*1), R9; \
	CMPQ    AX, $2; \
	CMOVQLT R8, R9; \
	MOVQ    a_base+32(FP), R12; \
	MOVQ    m+56(FP), CX; \
	SHLQ    ESH, CX; \
	XORL    DX, DX

// FHSUM512 sums the 16 lanes of the accumulator Z (Y, X its lower
// parts) by halves, lane j + lane j+8, then j + j+4, j + j+2, j + j+1,
// and stores the float32 at OFF(AX). It uses Y24.
#define FHSUM512(Z, Y, X, OFF) \
	VEXTRACTF64X4 $1, Z, Y24; \
	VADDPS        Y24, Y, Y; \
	FHSUM256(Y, X, X24, OFF)

// FHSUM256 is FHSUM512 from the 8 lanes of Y (the first step done),
// with the temporary T.
#define FHSUM256(Y, X, T, OFF) \
	VEXTRACTF32X4 $1, Y, T; \
	VADDPS        T, X, X; \
	VMOVHLPS      X, T, T; \
	VADDPS        T, X, X; \
	VMOVSHDUP     X, T; \
	VADDSS        T, X, X; \
	VMOVSS        X, OFF(AX)

// FHSUM2 is FHSUM512 with AVX2, from the low and high halves L and H.
#define FHSUM2(L, H, X, OFF) \
	VADDPS       H, L, L; \
	VEXTRACTF128 $1, L, X15; \
	VADDPS       X15, X, X; \
	VMOVHLPS     X, X15, X15; \
	VADDPS       X15, X, X; \
	VMOVSHDUP    X, X15; \
	VADDSS       X15, X, X; \
	VMOVSS       X, OFF(AX)

