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

// The rows of the kernels: FROW512 multiplies the current 16 elements of
// activation row A (converted into ZA) with the four weight rows into
// C0..C3; FROW256 is FROW512 for 8 elements at byte offset OFF and two
// weight rows, with AVX2.
#define FROW512(A, ZA, C0, C1, C2, C3) \
	CVT512((A)(DX*1), ZA); \
	VFMADD231PS ZA, Z24, C0; \
	VFMADD231PS ZA, Z25, C1; \
	VFMADD231PS ZA, Z26, C2; \
	VFMADD231PS ZA, Z27, C3

#define FROW256(A, OFF, C0, C1) \
	CVT256(OFF(A)(DX*1), Y14); \
	VFMADD231PS Y14, Y12, C0; \
	VFMADD231PS Y14, Y13, C1

// The kernels' bodies: FLOATX<A><ISA> is the kernel of A activation rows
// (see dot_rows_f16_amd64.s), for the element type of the including file,
// which defines CVT512(M, Z) and CVT256(M, Y) (convert 16, 8 elements at
// M to float32), ESH (the element size's shift, $1 or $2), S16 and H8 (the
// bytes of 16 and 8 elements).

#define FLOATX1AVX512 \
	MOVQ w_base+0(FP), R8; \
	MOVQ wRows+24(FP), R9; \
	MOVQ stride+64(FP), BX; \
	MOVQ a_base+32(FP), R12; \
	MOVQ m+56(FP), CX; \
	SHLQ ESH, CX; \
	MOVQ res+72(FP), AX; \
fx1vRow: \
	VPXORD Z0, Z0, Z0; \
	XORL   DX, DX; \
	TESTQ  CX, CX; \
	JZ     fx1vSum; \
fx1vLoop: \
	PREFETCHT0  4096(R8)(DX*1); \
	CVT512((R8)(DX*1), Z24); \
	CVT512((R12)(DX*1), Z28); \
	VFMADD231PS Z28, Z24, Z0; \
	ADDQ        $S16, DX; \
	CMPQ        DX, CX; \
	JLT         fx1vLoop; \
fx1vSum: \
	FHSUM512(Z0, Y0, X0, 0); \
	ADDQ $4, AX; \
	ADDQ BX, R8; \
	DECQ R9; \
	JNZ  fx1vRow; \
	VZEROUPPER; \
	RET

#define FLOATX2AVX512 \
	FWROWS4(ESH); \
	LEAQ (R12)(BX*1), R13; \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	TESTQ CX, CX; \
	JZ    fx2vDone; \
fx2vLoop: \
	PREFETCHT0 2048(R8)(DX*1); \
	PREFETCHT0 2048(R9)(DX*1); \
	PREFETCHT0 2048(R10)(DX*1); \
	PREFETCHT0 2048(R11)(DX*1); \
	CVT512((R8)(DX*1), Z24); \
	CVT512((R9)(DX*1), Z25); \
	CVT512((R10)(DX*1), Z26); \
	CVT512((R11)(DX*1), Z27); \
	FROW512(R12, Z28, Z0, Z1, Z2, Z3); \
	FROW512(R13, Z29, Z4, Z5, Z6, Z7); \
	ADDQ $S16, DX; \
	CMPQ DX, CX; \
	JLT  fx2vLoop; \
fx2vDone: \
	MOVQ res+72(FP), AX; \
	FHSUM512(Z0, Y0, X0, 0); \
	FHSUM512(Z1, Y1, X1, 4); \
	FHSUM512(Z2, Y2, X2, 8); \
	FHSUM512(Z3, Y3, X3, 12); \
	FHSUM512(Z4, Y4, X4, 16); \
	FHSUM512(Z5, Y5, X5, 20); \
	FHSUM512(Z6, Y6, X6, 24); \
	FHSUM512(Z7, Y7, X7, 28); \
	VZEROUPPER; \
	RET

#define FLOATX3AVX512 \
	FWROWS4(ESH); \
	LEAQ (R12)(BX*1), R13; \
	LEAQ (R13)(BX*1), R14; \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	TESTQ CX, CX; \
	JZ    fx3vDone; \
fx3vLoop: \
	CVT512((R8)(DX*1), Z24); \
	CVT512((R9)(DX*1), Z25); \
	CVT512((R10)(DX*1), Z26); \
	CVT512((R11)(DX*1), Z27); \
	FROW512(R12, Z28, Z0, Z1, Z2, Z3); \
	FROW512(R13, Z29, Z4, Z5, Z6, Z7); \
	FROW512(R14, Z28, Z8, Z9, Z10, Z11); \
	ADDQ $S16, DX; \
	CMPQ DX, CX; \
	JLT  fx3vLoop; \
fx3vDone: \
	MOVQ res+72(FP), AX; \
	FHSUM512(Z0, Y0, X0, 0); \
	FHSUM512(Z1, Y1, X1, 4); \
	FHSUM512(Z2, Y2, X2, 8); \
	FHSUM512(Z3, Y3, X3, 12); \
	FHSUM512(Z4, Y4, X4, 16); \
	FHSUM512(Z5, Y5, X5, 20); \
	FHSUM512(Z6, Y6, X6, 24); \
	FHSUM512(Z7, Y7, X7, 28); \
	FHSUM512(Z8, Y8, X8, 32); \
	FHSUM512(Z9, Y9, X9, 36); \
	FHSUM512(Z10, Y10, X10, 40); \
	FHSUM512(Z11, Y11, X11, 44); \
	VZEROUPPER; \
	RET

#define FLOATX4AVX512 \
	FWROWS4(ESH); \
	LEAQ (R12)(BX*1), R13; \
	LEAQ (R13)(BX*1), R14; \
	LEAQ (R14)(BX*1), R15; \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15; \
	TESTQ CX, CX; \
	JZ    fx4vDone; \
fx4vLoop: \
	CVT512((R8)(DX*1), Z24); \
	CVT512((R9)(DX*1), Z25); \
	CVT512((R10)(DX*1), Z26); \
	CVT512((R11)(DX*1), Z27); \
	FROW512(R12, Z28, Z0, Z1, Z2, Z3); \
	FROW512(R13, Z29, Z4, Z5, Z6, Z7); \
	FROW512(R14, Z28, Z8, Z9, Z10, Z11); \
	FROW512(R15, Z29, Z12, Z13, Z14, Z15); \
	ADDQ $S16, DX; \
	CMPQ DX, CX; \
	JLT  fx4vLoop; \
fx4vDone: \
	MOVQ res+72(FP), AX; \
	FHSUM512(Z0, Y0, X0, 0); \
	FHSUM512(Z1, Y1, X1, 4); \
	FHSUM512(Z2, Y2, X2, 8); \
	FHSUM512(Z3, Y3, X3, 12); \
	FHSUM512(Z4, Y4, X4, 16); \
	FHSUM512(Z5, Y5, X5, 20); \
	FHSUM512(Z6, Y6, X6, 24); \
	FHSUM512(Z7, Y7, X7, 28); \
	FHSUM512(Z8, Y8, X8, 32); \
	FHSUM512(Z9, Y9, X9, 36); \
	FHSUM512(Z10, Y10, X10, 40); \
	FHSUM512(Z11, Y11, X11, 44); \
	FHSUM512(Z12, Y12, X12, 48); \
	FHSUM512(Z13, Y13, X13, 52); \
	FHSUM512(Z14, Y14, X14, 56); \
	FHSUM512(Z15, Y15, X15, 60); \
	VZEROUPPER; \
	RET

#define FLOATX5AVX512 \
	FWROWS4(ESH); \
	LEAQ (R12)(BX*1), R13; \
	LEAQ (R13)(BX*1), R14; \
	LEAQ (R14)(BX*1), R15; \
	LEAQ (R15)(BX*1), SI; \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15; \
	VPXORD Z16, Z16, Z16; \
	VPXORD Z17, Z17, Z17; \
	VPXORD Z18, Z18, Z18; \
	VPXORD Z19, Z19, Z19; \
	TESTQ CX, CX; \
	JZ    fx5vDone; \
fx5vLoop: \
	CVT512((R8)(DX*1), Z24); \
	CVT512((R9)(DX*1), Z25); \
	CVT512((R10)(DX*1), Z26); \
	CVT512((R11)(DX*1), Z27); \
	FROW512(R12, Z28, Z0, Z1, Z2, Z3); \
	FROW512(R13, Z29, Z4, Z5, Z6, Z7); \
	FROW512(R14, Z28, Z8, Z9, Z10, Z11); \
	FROW512(R15, Z29, Z12, Z13, Z14, Z15); \
	FROW512(SI, Z28, Z16, Z17, Z18, Z19); \
	ADDQ $S16, DX; \
	CMPQ DX, CX; \
	JLT  fx5vLoop; \
fx5vDone: \
	MOVQ res+72(FP), AX; \
	FHSUM512(Z0, Y0, X0, 0); \
	FHSUM512(Z1, Y1, X1, 4); \
	FHSUM512(Z2, Y2, X2, 8); \
	FHSUM512(Z3, Y3, X3, 12); \
	FHSUM512(Z4, Y4, X4, 16); \
	FHSUM512(Z5, Y5, X5, 20); \
	FHSUM512(Z6, Y6, X6, 24); \
	FHSUM512(Z7, Y7, X7, 28); \
	FHSUM512(Z8, Y8, X8, 32); \
	FHSUM512(Z9, Y9, X9, 36); \
	FHSUM512(Z10, Y10, X10, 40); \
	FHSUM512(Z11, Y11, X11, 44); \
	FHSUM512(Z12, Y12, X12, 48); \
	FHSUM512(Z13, Y13, X13, 52); \
	FHSUM512(Z14, Y14, X14, 56); \
	FHSUM512(Z15, Y15, X15, 60); \
	FHSUM512(Z16, Y16, X16, 64); \
	FHSUM512(Z17, Y17, X17, 68); \
	FHSUM512(Z18, Y18, X18, 72); \
	FHSUM512(Z19, Y19, X19, 76); \
	VZEROUPPER; \
	RET

#define FLOATX6AVX512 \
	FWROWS4(ESH); \
	LEAQ (R12)(BX*1), R13; \
	LEAQ (R13)(BX*1), R14; \
	LEAQ (R14)(BX*1), R15; \
	LEAQ (R15)(BX*1), SI; \
	LEAQ (SI)(BX*1), DI; \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15; \
	VPXORD Z16, Z16, Z16; \
	VPXORD Z17, Z17, Z17; \
	VPXORD Z18, Z18, Z18; \
	VPXORD Z19, Z19, Z19; \
	VPXORD Z20, Z20, Z20; \
	VPXORD Z21, Z21, Z21; \
	VPXORD Z22, Z22, Z22; \
	VPXORD Z23, Z23, Z23; \
	TESTQ CX, CX; \
	JZ    fx6vDone; \
fx6vLoop: \
	CVT512((R8)(DX*1), Z24); \
	CVT512((R9)(DX*1), Z25); \
	CVT512((R10)(DX*1), Z26); \
	CVT512((R11)(DX*1), Z27); \
	FROW512(R12, Z28, Z0, Z1, Z2, Z3); \
	FROW512(R13, Z29, Z4, Z5, Z6, Z7); \
	FROW512(R14, Z28, Z8, Z9, Z10, Z11); \
	FROW512(R15, Z29, Z12, Z13, Z14, Z15); \
	FROW512(SI, Z28, Z16, Z17, Z18, Z19); \
	FROW512(DI, Z29, Z20, Z21, Z22, Z23); \
	ADDQ $S16, DX; \
	CMPQ DX, CX; \
	JLT  fx6vLoop; \
fx6vDone: \
	MOVQ res+72(FP), AX; \
	FHSUM512(Z0, Y0, X0, 0); \
	FHSUM512(Z1, Y1, X1, 4); \
	FHSUM512(Z2, Y2, X2, 8); \
	FHSUM512(Z3, Y3, X3, 12); \
	FHSUM512(Z4, Y4, X4, 16); \
	FHSUM512(Z5, Y5, X5, 20); \
	FHSUM512(Z6, Y6, X6, 24); \
	FHSUM512(Z7, Y7, X7, 28); \
	FHSUM512(Z8, Y8, X8, 32); \
	FHSUM512(Z9, Y9, X9, 36); \
	FHSUM512(Z10, Y10, X10, 40); \
	FHSUM512(Z11, Y11, X11, 44); \
	FHSUM512(Z12, Y12, X12, 48); \
	FHSUM512(Z13, Y13, X13, 52); \
	FHSUM512(Z14, Y14, X14, 56); \
	FHSUM512(Z15, Y15, X15, 60); \
	FHSUM512(Z16, Y16, X16, 64); \
	FHSUM512(Z17, Y17, X17, 68); \
	FHSUM512(Z18, Y18, X18, 72); \
	FHSUM512(Z19, Y19, X19, 76); \
	FHSUM512(Z20, Y20, X20, 80); \
	FHSUM512(Z21, Y21, X21, 84); \
	FHSUM512(Z22, Y22, X22, 88); \
	FHSUM512(Z23, Y23, X23, 92); \
	VZEROUPPER; \
	RET

#define FLOATX1AVX2 \
	MOVQ w_base+0(FP), R8; \
	MOVQ wRows+24(FP), R9; \
	MOVQ stride+64(FP), BX; \
	MOVQ a_base+32(FP), R12; \
	MOVQ m+56(FP), CX; \
	SHLQ ESH, CX; \
	MOVQ res+72(FP), AX; \
fx1aRow: \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	XORL   DX, DX; \
	TESTQ  CX, CX; \
	JZ     fx1aSum; \
fx1aLoop: \
	PREFETCHT0  4096(R8)(DX*1); \
	CVT256((R8)(DX*1), Y12); \
	CVT256((R12)(DX*1), Y14); \
	VFMADD231PS Y14, Y12, Y0; \
	CVT256(H8(R8)(DX*1), Y13); \
	CVT256(H8(R12)(DX*1), Y15); \
	VFMADD231PS Y15, Y13, Y1; \
	ADDQ        $S16, DX; \
	CMPQ        DX, CX; \
	JLT         fx1aLoop; \
fx1aSum: \
	FHSUM2(Y0, Y1, X0, 0); \
	ADDQ $4, AX; \
	ADDQ BX, R8; \
	DECQ R9; \
	JNZ  fx1aRow; \
	VZEROUPPER; \
	RET

#define FLOATX2AVX2 \
	FWROWS2(ESH); \
	LEAQ (R12)(BX*1), R13; \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	TESTQ CX, CX; \
	JZ    fx2aDone; \
fx2aLoop: \
	CVT256(0(R8)(DX*1), Y12); \
	CVT256(0(R9)(DX*1), Y13); \
	FROW256(R12, 0, Y0, Y2); \
	FROW256(R13, 0, Y4, Y6); \
	CVT256(H8(R8)(DX*1), Y12); \
	CVT256(H8(R9)(DX*1), Y13); \
	FROW256(R12, H8, Y1, Y3); \
	FROW256(R13, H8, Y5, Y7); \
	ADDQ $S16, DX; \
	CMPQ DX, CX; \
	JLT  fx2aLoop; \
fx2aDone: \
	MOVQ res+72(FP), AX; \
	FHSUM2(Y0, Y1, X0, 0); \
	FHSUM2(Y2, Y3, X2, 4); \
	FHSUM2(Y4, Y5, X4, 8); \
	FHSUM2(Y6, Y7, X6, 12); \
	VZEROUPPER; \
	RET

#define FLOATX3AVX2 \
	FWROWS2(ESH); \
	LEAQ (R12)(BX*1), R13; \
	LEAQ (R13)(BX*1), R14; \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11; \
	TESTQ CX, CX; \
	JZ    fx3aDone; \
fx3aLoop: \
	CVT256(0(R8)(DX*1), Y12); \
	CVT256(0(R9)(DX*1), Y13); \
	FROW256(R12, 0, Y0, Y2); \
	FROW256(R13, 0, Y4, Y6); \
	FROW256(R14, 0, Y8, Y10); \
	CVT256(H8(R8)(DX*1), Y12); \
	CVT256(H8(R9)(DX*1), Y13); \
	FROW256(R12, H8, Y1, Y3); \
	FROW256(R13, H8, Y5, Y7); \
	FROW256(R14, H8, Y9, Y11); \
	ADDQ $S16, DX; \
	CMPQ DX, CX; \
	JLT  fx3aLoop; \
fx3aDone: \
	MOVQ res+72(FP), AX; \
	FHSUM2(Y0, Y1, X0, 0); \
	FHSUM2(Y2, Y3, X2, 4); \
	FHSUM2(Y4, Y5, X4, 8); \
	FHSUM2(Y6, Y7, X6, 12); \
	FHSUM2(Y8, Y9, X8, 16); \
	FHSUM2(Y10, Y11, X10, 20); \
	VZEROUPPER; \
	RET
