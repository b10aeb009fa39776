//go:build !purego

#include "textflag.h"

// The amd64 element-wise kernels and softmax passes; act_amd64.go has their
// Go declarations and exp.go and act_generic.go the definitions they equal.
// Written by hand. exp32 is evaluated with the very same float32 operations
// (no fused multiply-adds), so the results are the definitions' bits. Every
// kernel reads and writes only the n elements of its slices: the AVX-512
// kernels finish with masked loads and stores, the AVX2 ones with
// VMASKMOVPS, which do not touch the masked-off elements.
//
// Registers: SI the input, DI the output, DX a second input, CX the count of
// elements left.

// The constants, each repeated in 8 lanes (32 bytes) so that AVX2 code can
// use them as memory operands and AVX-512 code can broadcast them.
// 0: min (-104)
DATA expTab<>+0(SB)/4, $0xc2d00000
DATA expTab<>+4(SB)/4, $0xc2d00000
DATA expTab<>+8(SB)/4, $0xc2d00000
DATA expTab<>+12(SB)/4, $0xc2d00000
DATA expTab<>+16(SB)/4, $0xc2d00000
DATA expTab<>+20(SB)/4, $0xc2d00000
DATA expTab<>+24(SB)/4, $0xc2d00000
DATA expTab<>+28(SB)/4, $0xc2d00000
// 32: max (89)
DATA expTab<>+32(SB)/4, $0x42b20000
DATA expTab<>+36(SB)/4, $0x42b20000
DATA expTab<>+40(SB)/4, $0x42b20000
DATA expTab<>+44(SB)/4, $0x42b20000
DATA expTab<>+48(SB)/4, $0x42b20000
DATA expTab<>+52(SB)/4, $0x42b20000
DATA expTab<>+56(SB)/4, $0x42b20000
DATA expTab<>+60(SB)/4, $0x42b20000
// 64: log2(e)
DATA expTab<>+64(SB)/4, $0x3fb8aa3b
DATA expTab<>+68(SB)/4, $0x3fb8aa3b
DATA expTab<>+72(SB)/4, $0x3fb8aa3b
DATA expTab<>+76(SB)/4, $0x3fb8aa3b
DATA expTab<>+80(SB)/4, $0x3fb8aa3b
DATA expTab<>+84(SB)/4, $0x3fb8aa3b
DATA expTab<>+88(SB)/4, $0x3fb8aa3b
DATA expTab<>+92(SB)/4, $0x3fb8aa3b
// 96: ln2Hi
DATA expTab<>+96(SB)/4, $0x3f317200
DATA expTab<>+100(SB)/4, $0x3f317200
DATA expTab<>+104(SB)/4, $0x3f317200
DATA expTab<>+108(SB)/4, $0x3f317200
DATA expTab<>+112(SB)/4, $0x3f317200
DATA expTab<>+116(SB)/4, $0x3f317200
DATA expTab<>+120(SB)/4, $0x3f317200
DATA expTab<>+124(SB)/4, $0x3f317200
// 128: ln2Lo
DATA expTab<>+128(SB)/4, $0x35bfbe8e
DATA expTab<>+132(SB)/4, $0x35bfbe8e
DATA expTab<>+136(SB)/4, $0x35bfbe8e
DATA expTab<>+140(SB)/4, $0x35bfbe8e
DATA expTab<>+144(SB)/4, $0x35bfbe8e
DATA expTab<>+148(SB)/4, $0x35bfbe8e
DATA expTab<>+152(SB)/4, $0x35bfbe8e
DATA expTab<>+156(SB)/4, $0x35bfbe8e
// 160: 1/7!
DATA expTab<>+160(SB)/4, $0x39500d01
DATA expTab<>+164(SB)/4, $0x39500d01
DATA expTab<>+168(SB)/4, $0x39500d01
DATA expTab<>+172(SB)/4, $0x39500d01
DATA expTab<>+176(SB)/4, $0x39500d01
DATA expTab<>+180(SB)/4, $0x39500d01
DATA expTab<>+184(SB)/4, $0x39500d01
DATA expTab<>+188(SB)/4, $0x39500d01
// 192: 1/6!
DATA expTab<>+192(SB)/4, $0x3ab60b61
DATA expTab<>+196(SB)/4, $0x3ab60b61
DATA expTab<>+200(SB)/4, $0x3ab60b61
DATA expTab<>+204(SB)/4, $0x3ab60b61
DATA expTab<>+208(SB)/4, $0x3ab60b61
DATA expTab<>+212(SB)/4, $0x3ab60b61
DATA expTab<>+216(SB)/4, $0x3ab60b61
DATA expTab<>+220(SB)/4, $0x3ab60b61
// 224: 1/5!
DATA expTab<>+224(SB)/4, $0x3c088889
DATA expTab<>+228(SB)/4, $0x3c088889
DATA expTab<>+232(SB)/4, $0x3c088889
DATA expTab<>+236(SB)/4, $0x3c088889
DATA expTab<>+240(SB)/4, $0x3c088889
DATA expTab<>+244(SB)/4, $0x3c088889
DATA expTab<>+248(SB)/4, $0x3c088889
DATA expTab<>+252(SB)/4, $0x3c088889
// 256: 1/4!
DATA expTab<>+256(SB)/4, $0x3d2aaaab
DATA expTab<>+260(SB)/4, $0x3d2aaaab
DATA expTab<>+264(SB)/4, $0x3d2aaaab
DATA expTab<>+268(SB)/4, $0x3d2aaaab
DATA expTab<>+272(SB)/4, $0x3d2aaaab
DATA expTab<>+276(SB)/4, $0x3d2aaaab
DATA expTab<>+280(SB)/4, $0x3d2aaaab
DATA expTab<>+284(SB)/4, $0x3d2aaaab
// 288: 1/3!
DATA expTab<>+288(SB)/4, $0x3e2aaaab
DATA expTab<>+292(SB)/4, $0x3e2aaaab
DATA expTab<>+296(SB)/4, $0x3e2aaaab
DATA expTab<>+300(SB)/4, $0x3e2aaaab
DATA expTab<>+304(SB)/4, $0x3e2aaaab
DATA expTab<>+308(SB)/4, $0x3e2aaaab
DATA expTab<>+312(SB)/4, $0x3e2aaaab
DATA expTab<>+316(SB)/4, $0x3e2aaaab
// 320: 1/2!
DATA expTab<>+320(SB)/4, $0x3f000000
DATA expTab<>+324(SB)/4, $0x3f000000
DATA expTab<>+328(SB)/4, $0x3f000000
DATA expTab<>+332(SB)/4, $0x3f000000
DATA expTab<>+336(SB)/4, $0x3f000000
DATA expTab<>+340(SB)/4, $0x3f000000
DATA expTab<>+344(SB)/4, $0x3f000000
DATA expTab<>+348(SB)/4, $0x3f000000
// 352: 1
DATA expTab<>+352(SB)/4, $0x3f800000
DATA expTab<>+356(SB)/4, $0x3f800000
DATA expTab<>+360(SB)/4, $0x3f800000
DATA expTab<>+364(SB)/4, $0x3f800000
DATA expTab<>+368(SB)/4, $0x3f800000
DATA expTab<>+372(SB)/4, $0x3f800000
DATA expTab<>+376(SB)/4, $0x3f800000
DATA expTab<>+380(SB)/4, $0x3f800000
// 384: GELU 0.044715
DATA expTab<>+384(SB)/4, $0x3d372713
DATA expTab<>+388(SB)/4, $0x3d372713
DATA expTab<>+392(SB)/4, $0x3d372713
DATA expTab<>+396(SB)/4, $0x3d372713
DATA expTab<>+400(SB)/4, $0x3d372713
DATA expTab<>+404(SB)/4, $0x3d372713
DATA expTab<>+408(SB)/4, $0x3d372713
DATA expTab<>+412(SB)/4, $0x3d372713
// 416: GELU -2·sqrt(2/pi)
DATA expTab<>+416(SB)/4, $0xbfcc422a
DATA expTab<>+420(SB)/4, $0xbfcc422a
DATA expTab<>+424(SB)/4, $0xbfcc422a
DATA expTab<>+428(SB)/4, $0xbfcc422a
DATA expTab<>+432(SB)/4, $0xbfcc422a
DATA expTab<>+436(SB)/4, $0xbfcc422a
DATA expTab<>+440(SB)/4, $0xbfcc422a
DATA expTab<>+444(SB)/4, $0xbfcc422a
// 448: exponent bias 127 (int32)
DATA expTab<>+448(SB)/4, $0x0000007f
DATA expTab<>+452(SB)/4, $0x0000007f
DATA expTab<>+456(SB)/4, $0x0000007f
DATA expTab<>+460(SB)/4, $0x0000007f
DATA expTab<>+464(SB)/4, $0x0000007f
DATA expTab<>+468(SB)/4, $0x0000007f
DATA expTab<>+472(SB)/4, $0x0000007f
DATA expTab<>+476(SB)/4, $0x0000007f
// 480: sign bit
DATA expTab<>+480(SB)/4, $0x80000000
DATA expTab<>+484(SB)/4, $0x80000000
DATA expTab<>+488(SB)/4, $0x80000000
DATA expTab<>+492(SB)/4, $0x80000000
DATA expTab<>+496(SB)/4, $0x80000000
DATA expTab<>+500(SB)/4, $0x80000000
DATA expTab<>+504(SB)/4, $0x80000000
DATA expTab<>+508(SB)/4, $0x80000000
// 512: -Inf
DATA expTab<>+512(SB)/4, $0xff800000
DATA expTab<>+516(SB)/4, $0xff800000
DATA expTab<>+520(SB)/4, $0xff800000
DATA expTab<>+524(SB)/4, $0xff800000
DATA expTab<>+528(SB)/4, $0xff800000
DATA expTab<>+532(SB)/4, $0xff800000
DATA expTab<>+536(SB)/4, $0xff800000
DATA expTab<>+540(SB)/4, $0xff800000
GLOBL expTab<>(SB), RODATA|NOPTR, $544

// The lane indices 0…7, for the AVX2 tail masks.
DATA laneIdx<>+0(SB)/4, $0
DATA laneIdx<>+4(SB)/4, $1
DATA laneIdx<>+8(SB)/4, $2
DATA laneIdx<>+12(SB)/4, $3
DATA laneIdx<>+16(SB)/4, $4
DATA laneIdx<>+20(SB)/4, $5
DATA laneIdx<>+24(SB)/4, $6
DATA laneIdx<>+28(SB)/4, $7
GLOBL laneIdx<>(SB), RODATA|NOPTR, $32

// LOADC512 broadcasts the constants into Z16…Z31 (the AVX-512 kernels keep
// them there): Z16 min, Z17 max, Z18 log2(e), Z19 ln2Hi, Z20 ln2Lo,
// Z21…Z26 1/7! … 1/2!, Z27 1, Z28 0.044715, Z29 −2·√(2/π), Z30 the sign bit,
// Z31 −Inf.
#define LOADC512 \
	VBROADCASTSS expTab<>+0(SB), Z16;   \
	VBROADCASTSS expTab<>+32(SB), Z17;  \
	VBROADCASTSS expTab<>+64(SB), Z18;  \
	VBROADCASTSS expTab<>+96(SB), Z19;  \
	VBROADCASTSS expTab<>+128(SB), Z20; \
	VBROADCASTSS expTab<>+160(SB), Z21; \
	VBROADCASTSS expTab<>+192(SB), Z22; \
	VBROADCASTSS expTab<>+224(SB), Z23; \
	VBROADCASTSS expTab<>+256(SB), Z24; \
	VBROADCASTSS expTab<>+288(SB), Z25; \
	VBROADCASTSS expTab<>+320(SB), Z26; \
	VBROADCASTSS expTab<>+352(SB), Z27; \
	VBROADCASTSS expTab<>+384(SB), Z28; \
	VBROADCASTSS expTab<>+416(SB), Z29; \
	VBROADCASTSS expTab<>+480(SB), Z30; \
	VBROADCASTSS expTab<>+512(SB), Z31

// EXP512(x, n, t, u) replaces the 16 lanes of x by exp32(x), with n, t and u
// as scratch. The clamps keep a NaN (x is the operand whose NaN MAXPS and
// MINPS return); VSCALEFPS computes p·2ⁿ rounded once, like ldexp32.
#define EXP512(x, n, t, u) \
	VMAXPS      x, Z16, x; \
	VMINPS      x, Z17, x; \
	VMULPS      Z18, x, n; \
	VRNDSCALEPS $0, n, n;  \
	VMULPS      Z19, n, t; \
	VSUBPS      t, x, x;   \
	VMULPS      Z20, n, t; \
	VSUBPS      t, x, x;   \
	VMULPS      Z21, x, t; \
	VADDPS      Z22, t, t; \
	VMULPS      x, t, t;   \
	VADDPS      Z23, t, t; \
	VMULPS      x, t, t;   \
	VADDPS      Z24, t, t; \
	VMULPS      x, t, t;   \
	VADDPS      Z25, t, t; \
	VMULPS      x, t, t;   \
	VADDPS      Z26, t, t; \
	VMULPS      x, x, u;   \
	VMULPS      t, u, u;   \
	VADDPS      x, u, u;   \
	VADDPS      Z27, u, u; \
	VSCALEFPS   n, u, x

// TAILMASK sets K1 to the low CX bits (CX < 16).
#define TAILMASK \
	MOVL  $1, AX;  \
	SHLL  CX, AX;  \
	DECL  AX;      \
	KMOVW AX, K1

// EXP256(x, n, t, u) is EXP512 on 8 lanes, for AVX2: the clamps in Y14
// (min) and Y15 (max), the other constants from memory, and 2ⁿ built as two
// factors 2^⌊n/2⌋ and 2^(n−⌊n/2⌋) from their exponent bits, like ldexp32.
#define EXP256(x, n, t, u) \
	VMAXPS    x, Y14, x;                 \
	VMINPS    x, Y15, x;                 \
	VMULPS    expTab<>+64(SB), x, n;     \
	VROUNDPS  $0, n, n;                  \
	VMULPS    expTab<>+96(SB), n, t;     \
	VSUBPS    t, x, x;                   \
	VMULPS    expTab<>+128(SB), n, t;    \
	VSUBPS    t, x, x;                   \
	VMULPS    expTab<>+160(SB), x, t;    \
	VADDPS    expTab<>+192(SB), t, t;    \
	VMULPS    x, t, t;                   \
	VADDPS    expTab<>+224(SB), t, t;    \
	VMULPS    x, t, t;                   \
	VADDPS    expTab<>+256(SB), t, t;    \
	VMULPS    x, t, t;                   \
	VADDPS    expTab<>+288(SB), t, t;    \
	VMULPS    x, t, t;                   \
	VADDPS    expTab<>+320(SB), t, t;    \
	VMULPS    x, x, u;                   \
	VMULPS    t, u, u;                   \
	VADDPS    x, u, u;                   \
	VADDPS    expTab<>+352(SB), u, u;    \
	VCVTPS2DQ n, n;                      \
	VPSRAD    $1, n, t;                  \
	VPSUBD    t, n, n;                   \
	VPADDD    expTab<>+448(SB), t, t;    \
	VPSLLD    $23, t, t;                 \
	VMULPS    t, u, u;                   \
	VPADDD    expTab<>+448(SB), n, n;    \
	VPSLLD    $23, n, n;                 \
	VMULPS    n, u, x

// LOADC256 loads the clamps of EXP256.
#define LOADC256 \
	VMOVUPS expTab<>+0(SB), Y14; \
	VMOVUPS expTab<>+32(SB), Y15

// TAILMASK256 sets Y13 to the mask of the low CX lanes (CX < 8): lane i is
// all ones when i < CX.
#define TAILMASK256 \
	MOVL         CX, AX;            \
	VMOVD        AX, X13;           \
	VPBROADCASTD X13, Y13;          \
	VPCMPGTD     laneIdx<>(SB), Y13, Y13

// ELEMWISE512(name, body) defines a kernel func name(dst, x []float32) that
// applies body to Z0 for every 16 elements (body may use Z1…Z5).
#define ELEMWISE512(name, body) \
TEXT name(SB), NOSPLIT, $0-48;        \
	MOVQ dst_base+0(FP), DI;          \
	MOVQ dst_len+8(FP), CX;           \
	MOVQ x_base+24(FP), SI;           \
	LOADC512;                         \
loop:                                 \
	CMPQ    CX, $16;                  \
	JLT     tail;                     \
	VMOVUPS (SI), Z0;                 \
	body;                             \
	VMOVUPS Z0, (DI);                 \
	ADDQ    $64, SI;                  \
	ADDQ    $64, DI;                  \
	SUBQ    $16, CX;                  \
	JMP     loop;                     \
tail:                                 \
	TESTQ     CX, CX;                 \
	JEQ       done;                   \
	TAILMASK;                         \
	VMOVUPS.Z (SI), K1, Z0;           \
	body;                             \
	VMOVUPS   Z0, K1, (DI);           \
done:                                 \
	VZEROUPPER;                       \
	RET

// ELEMWISE256(name, body) is ELEMWISE512 for AVX2: body applies to Y0 (and
// may use Y1…Y5) for every 8 elements.
#define ELEMWISE256(name, body) \
TEXT name(SB), NOSPLIT, $0-48;        \
	MOVQ dst_base+0(FP), DI;          \
	MOVQ dst_len+8(FP), CX;           \
	MOVQ x_base+24(FP), SI;           \
	LOADC256;                         \
loop:                                 \
	CMPQ    CX, $8;                   \
	JLT     tail;                     \
	VMOVUPS (SI), Y0;                 \
	body;                             \
	VMOVUPS Y0, (DI);                 \
	ADDQ    $32, SI;                  \
	ADDQ    $32, DI;                  \
	SUBQ    $8, CX;                   \
	JMP     loop;                     \
tail:                                 \
	TESTQ      CX, CX;                \
	JEQ        done;                  \
	TAILMASK256;                      \
	VMASKMOVPS (SI), Y13, Y0;         \
	body;                             \
	VMASKMOVPS Y0, Y13, (DI);         \
done:                                 \
	VZEROUPPER;                       \
	RET

// The bodies: Z0/Y0 in, Z0/Y0 out.
#define EXP_BODY512 EXP512(Z0, Z1, Z2, Z3)
#define EXP_BODY256 EXP256(Y0, Y1, Y2, Y3)

// silu: x / (1 + exp(−x)).
#define SILU_BODY512 \
	VPXORD    Z30, Z0, Z1;          \
	EXP512(Z1, Z2, Z3, Z4);         \
	VADDPS    Z27, Z1, Z1;          \
	VDIVPS    Z1, Z0, Z0

#define SILU_BODY256 \
	VXORPS    expTab<>+480(SB), Y0, Y1; \
	EXP256(Y1, Y2, Y3, Y4);             \
	VADDPS    expTab<>+352(SB), Y1, Y1; \
	VDIVPS    Y1, Y0, Y0

// gelu: u = ((x·x)·0.044715)·x; u = (x + u)·(−2·√(2/π)); x / (1 + exp(u)).
#define GELU_BODY512 \
	VMULPS    Z0, Z0, Z1;           \
	VMULPS    Z28, Z1, Z1;          \
	VMULPS    Z0, Z1, Z1;           \
	VADDPS    Z0, Z1, Z1;           \
	VMULPS    Z29, Z1, Z1;          \
	EXP512(Z1, Z2, Z3, Z4);         \
	VADDPS    Z27, Z1, Z1;          \
	VDIVPS    Z1, Z0, Z0

#define GELU_BODY256 \
	VMULPS    Y0, Y0, Y1;               \
	VMULPS    expTab<>+384(SB), Y1, Y1; \
	VMULPS    Y0, Y1, Y1;               \
	VADDPS    Y0, Y1, Y1;               \
	VMULPS    expTab<>+416(SB), Y1, Y1; \
	EXP256(Y1, Y2, Y3, Y4);             \
	VADDPS    expTab<>+352(SB), Y1, Y1; \
	VDIVPS    Y1, Y0, Y0

// func expAVX512(dst, x []float32)
ELEMWISE512(·expAVX512, EXP_BODY512)

// func expAVX2(dst, x []float32)
ELEMWISE256(·expAVX2, EXP_BODY256)

// func siluAVX512(dst, x []float32)
ELEMWISE512(·siluAVX512, SILU_BODY512)

// func siluAVX2(dst, x []float32)
ELEMWISE256(·siluAVX2, SILU_BODY256)

// func geluAVX512(dst, x []float32)
ELEMWISE512(·geluAVX512, GELU_BODY512)

// func geluAVX2(dst, x []float32)
ELEMWISE256(·geluAVX2, GELU_BODY256)

// func swigluAVX512(dst, gate, up []float32)
TEXT ·swigluAVX512(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ gate_base+24(FP), SI
	MOVQ up_base+48(FP), DX
	LOADC512

loop:
	CMPQ    CX, $16
	JLT     tail
	VMOVUPS (SI), Z0
	SILU_BODY512
	VMULPS  (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop

tail:
	TESTQ     CX, CX
	JEQ       done
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DX), K1, Z5
	SILU_BODY512
	VMULPS    Z5, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func swigluAVX2(dst, gate, up []float32)
TEXT ·swigluAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ gate_base+24(FP), SI
	MOVQ up_base+48(FP), DX
	LOADC256

loop:
	CMPQ    CX, $8
	JLT     tail
	VMOVUPS (SI), Y0
	SILU_BODY256
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop

tail:
	TESTQ      CX, CX
	JEQ        done
	TAILMASK256
	VMASKMOVPS (SI), Y13, Y0
	VMASKMOVPS (DX), Y13, Y5
	SILU_BODY256
	VMULPS     Y5, Y0, Y0
	VMASKMOVPS Y0, Y13, (DI)

done:
	VZEROUPPER
	RET

// func scaleAVX512(dst, x []float32, s float32)
TEXT ·scaleAVX512(SB), NOSPLIT, $0-52
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	VBROADCASTSS s+48(FP), Z15

loop:
	CMPQ    CX, $64
	JLT     loop16
	VMULPS  (SI), Z15, Z0
	VMULPS  64(SI), Z15, Z1
	VMULPS  128(SI), Z15, Z2
	VMULPS  192(SI), Z15, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	JMP     loop

loop16:
	CMPQ    CX, $16
	JLT     tail
	VMULPS  (SI), Z15, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop16

tail:
	TESTQ     CX, CX
	JEQ       done
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    Z0, Z15, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func scaleAVX2(dst, x []float32, s float32)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-52
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	VBROADCASTSS s+48(FP), Y15

loop:
	CMPQ    CX, $32
	JLT     loop8
	VMULPS  (SI), Y15, Y0
	VMULPS  32(SI), Y15, Y1
	VMULPS  64(SI), Y15, Y2
	VMULPS  96(SI), Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     loop

loop8:
	CMPQ    CX, $8
	JLT     tail
	VMULPS  (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop8

tail:
	TESTQ  CX, CX
	JEQ    done
	VMULSS (SI), X15, X0
	VMOVSS X0, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DI
	DECQ   CX
	JMP    tail

done:
	VZEROUPPER
	RET

// func scaleMaskAVX512(x []float32, s float32, mask []float32) float32
//
// Z15 the scale, Z8 the running maximum (MAXPS with the running value as
// the second operand skips NaNs), Z31 −Inf.
TEXT ·scaleMaskAVX512(SB), NOSPLIT, $0-60
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	MOVQ         mask_base+32(FP), DX
	MOVQ         mask_len+40(FP), BX
	VBROADCASTSS s+24(FP), Z15
	VBROADCASTSS expTab<>+512(SB), Z31
	VMOVAPS      Z31, Z8
	TESTQ        BX, BX
	JEQ          nomask

loop:
	CMPQ    CX, $16
	JLT     tail
	VMULPS  (SI), Z15, Z0
	VMOVUPS (DX), Z1
	VADDPS  Z1, Z0, Z0
	VCMPPS  $0, Z31, Z1, K2
	VMOVAPS Z31, K2, Z0
	VMOVUPS Z0, (SI)
	VMAXPS  Z8, Z0, Z8
	ADDQ    $64, SI
	ADDQ    $64, DX
	SUBQ    $16, CX
	JMP     loop

tail:
	TESTQ     CX, CX
	JEQ       reduce
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DX), K1, Z1
	VMULPS    Z0, Z15, Z0
	VADDPS    Z1, Z0, Z0
	VCMPPS    $0, Z31, Z1, K2
	VMOVAPS   Z31, K2, Z0
	VMOVUPS   Z0, K1, (SI)
	VMAXPS    Z8, Z0, K1, Z8
	JMP       reduce

nomask:
	CMPQ    CX, $16
	JLT     nomasktail
	VMULPS  (SI), Z15, Z0
	VMOVUPS Z0, (SI)
	VMAXPS  Z8, Z0, Z8
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     nomask

nomasktail:
	TESTQ     CX, CX
	JEQ       reduce
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    Z0, Z15, Z0
	VMOVUPS   Z0, K1, (SI)
	VMAXPS    Z8, Z0, K1, Z8

reduce:
	// No lane of Z8 is NaN: the order of the maxima does not matter.
	VEXTRACTF64X4 $1, Z8, Y1
	VMAXPS        Y1, Y8, Y8
	VEXTRACTF128  $1, Y8, X1
	VMAXPS        X1, X8, X8
	VMOVHLPS      X8, X8, X1
	VMAXPS        X1, X8, X8
	VMOVSHDUP     X8, X1
	VMAXSS        X1, X8, X8
	VZEROUPPER
	MOVSS         X8, ret+56(FP)
	RET

// func scaleMaskAVX2(x []float32, s float32, mask []float32) float32
//
// Y15 the scale, Y8 the running maximum, Y12 −Inf.
TEXT ·scaleMaskAVX2(SB), NOSPLIT, $0-60
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	MOVQ         mask_base+32(FP), DX
	MOVQ         mask_len+40(FP), BX
	VBROADCASTSS s+24(FP), Y15
	VMOVUPS      expTab<>+512(SB), Y12
	VMOVUPS      Y12, Y8
	TESTQ        BX, BX
	JEQ          nomask

loop:
	CMPQ      CX, $8
	JLT       tail
	VMULPS    (SI), Y15, Y0
	VMOVUPS   (DX), Y1
	VADDPS    Y1, Y0, Y0
	VCMPPS    $0, Y12, Y1, Y2
	VBLENDVPS Y2, Y12, Y0, Y0
	VMOVUPS   Y0, (SI)
	VMAXPS    Y8, Y0, Y8
	ADDQ      $32, SI
	ADDQ      $32, DX
	SUBQ      $8, CX
	JMP       loop

tail:
	TESTQ      CX, CX
	JEQ        reduce
	TAILMASK256
	VMASKMOVPS (SI), Y13, Y0
	VMASKMOVPS (DX), Y13, Y1
	VMULPS     Y0, Y15, Y0
	VADDPS     Y1, Y0, Y0
	VCMPPS     $0, Y12, Y1, Y2
	VBLENDVPS  Y2, Y12, Y0, Y0
	VMASKMOVPS Y0, Y13, (SI)
	VBLENDVPS  Y13, Y0, Y12, Y0
	VMAXPS     Y8, Y0, Y8
	JMP        reduce

nomask:
	CMPQ    CX, $8
	JLT     nomasktail
	VMULPS  (SI), Y15, Y0
	VMOVUPS Y0, (SI)
	VMAXPS  Y8, Y0, Y8
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     nomask

nomasktail:
	TESTQ      CX, CX
	JEQ        reduce
	TAILMASK256
	VMASKMOVPS (SI), Y13, Y0
	VMULPS     Y0, Y15, Y0
	VMASKMOVPS Y0, Y13, (SI)
	VBLENDVPS  Y13, Y0, Y12, Y0
	VMAXPS     Y8, Y0, Y8

reduce:
	VEXTRACTF128 $1, Y8, X1
	VMAXPS       X1, X8, X8
	VMOVHLPS     X8, X8, X1
	VMAXPS       X1, X8, X8
	VMOVSHDUP    X8, X1
	VMAXSS       X1, X8, X8
	VZEROUPPER
	MOVSS        X8, ret+56(FP)
	RET

// func expSumAVX512(x []float32, m float32) float64
//
// Z15 m, Z8 and Z9 the float64 sums of the low and high 8 lanes.
TEXT ·expSumAVX512(SB), NOSPLIT, $0-40
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	VBROADCASTSS m+24(FP), Z15
	LOADC512
	VPXORD       Z8, Z8, Z8
	VPXORD       Z9, Z9, Z9

loop:
	CMPQ          CX, $16
	JLT           tail
	VMOVUPS       (SI), Z0
	VSUBPS        Z15, Z0, Z0
	EXP512(Z0, Z1, Z2, Z3)
	VMOVUPS       Z0, (SI)
	VCVTPS2PD     Y0, Z4
	VEXTRACTF64X4 $1, Z0, Y5
	VCVTPS2PD     Y5, Z5
	VADDPD        Z4, Z8, Z8
	VADDPD        Z5, Z9, Z9
	ADDQ          $64, SI
	SUBQ          $16, CX
	JMP           loop

tail:
	TESTQ         CX, CX
	JEQ           reduce
	TAILMASK
	VMOVUPS.Z     (SI), K1, Z0
	VSUBPS        Z15, Z0, Z0
	EXP512(Z0, Z1, Z2, Z3)
	VMOVUPS       Z0, K1, (SI)
	VMOVAPS.Z     Z0, K1, Z0
	VCVTPS2PD     Y0, Z4
	VEXTRACTF64X4 $1, Z0, Y5
	VCVTPS2PD     Y5, Z5
	VADDPD        Z4, Z8, Z8
	VADDPD        Z5, Z9, Z9

reduce:
	VADDPD        Z9, Z8, Z8
	VEXTRACTF64X4 $1, Z8, Y1
	VADDPD        Y1, Y8, Y8
	VEXTRACTF128  $1, Y8, X1
	VADDPD        X1, X8, X8
	VUNPCKHPD     X8, X8, X1
	VADDSD        X1, X8, X8
	VZEROUPPER
	MOVSD         X8, ret+32(FP)
	RET

// func expSumAVX2(x []float32, m float32) float64
//
// Y12 m, Y8 and Y9 the float64 sums of the low and high 4 lanes.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-40
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	VBROADCASTSS m+24(FP), Y12
	LOADC256
	VXORPD       Y8, Y8, Y8
	VXORPD       Y9, Y9, Y9

loop:
	CMPQ         CX, $8
	JLT          tail
	VMOVUPS      (SI), Y0
	VSUBPS       Y12, Y0, Y0
	EXP256(Y0, Y1, Y2, Y3)
	VMOVUPS      Y0, (SI)
	VCVTPS2PD    X0, Y4
	VEXTRACTF128 $1, Y0, X5
	VCVTPS2PD    X5, Y5
	VADDPD       Y4, Y8, Y8
	VADDPD       Y5, Y9, Y9
	ADDQ         $32, SI
	SUBQ         $8, CX
	JMP          loop

tail:
	TESTQ        CX, CX
	JEQ          reduce
	TAILMASK256
	VMASKMOVPS   (SI), Y13, Y0
	VSUBPS       Y12, Y0, Y0
	EXP256(Y0, Y1, Y2, Y3)
	VMASKMOVPS   Y0, Y13, (SI)
	VANDPS       Y13, Y0, Y0
	VCVTPS2PD    X0, Y4
	VEXTRACTF128 $1, Y0, X5
	VCVTPS2PD    X5, Y5
	VADDPD       Y4, Y8, Y8
	VADDPD       Y5, Y9, Y9

reduce:
	VADDPD       Y9, Y8, Y8
	VEXTRACTF128 $1, Y8, X1
	VADDPD       X1, X8, X8
	VUNPCKHPD    X8, X8, X1
	VADDSD       X1, X8, X8
	VZEROUPPER
	MOVSD        X8, ret+32(FP)
	RET
