// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32C in two forms: slice-by-8 tables (portable, about 2 GB/s here) and
 * the SSE4.2 crc32 instruction over three interleaved streams (over 20 GB/s
 * from cache; memory bandwidth bounds it otherwise). The disk tier checksums
 * every byte it writes and reads, so on x86 the instruction is what keeps
 * the checksum off the critical path: at slice-by-8 speed it would take
 * as long as the disk takes to move the bytes.
 */
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

/* Reflected Castagnoli polynomial (iSCSI, ext4, btrfs, NVMe). */
#define CRC32C_POLY 0x82F63B78u

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init_tables(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		crc32c_table[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = crc32c_table[0][i];
		for (k = 1; k < 8; k++) {
			c = (c >> 8) ^ crc32c_table[0][c & 0xff];
			crc32c_table[k][i] = c;
		}
	}
}

static const uint32_t (*crc32c_tables(void))[256]
{
	pthread_once(&crc32c_once, crc32c_init_tables);
	return (const uint32_t (*)[256])crc32c_table;
}

uint32_t kvtd_crc32c_bytewise(uint32_t crc, const void *buf, size_t len)
{
	const uint32_t (*t)[256] = crc32c_tables();
	const unsigned char *p = buf;

	crc = ~crc;
	while (len--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

uint32_t kvtd_crc32c_sb8(uint32_t crc, const void *buf, size_t len)
{
	const uint32_t (*t)[256] = crc32c_tables();
	const unsigned char *p = buf;
	uint32_t lo, hi;

	crc = ~crc;
	/* Byte at a time up to 8-byte alignment, so the word loads are aligned. */
	while (len && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		/* Little-endian layout: the first byte is the lowest. */
		lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		     (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		      t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

/*
 * The crc32 instruction has a latency of three cycles and a throughput of
 * one, so one dependent chain runs at a third of its speed. Three chains
 * over three adjacent blocks run at full speed; their results are joined
 * by "shifting" a crc over a block of zeros, a linear map that four table
 * lookups apply (Mark Adler's method). 8 KiB blocks keep the joins rare;
 * 256-byte blocks do the same for the tail of a buffer.
 */
#define CRC32C_LONG 8192u
#define CRC32C_SHORT 256u

static uint32_t crc32c_long[4][256];
static uint32_t crc32c_short[4][256];
static pthread_once_t crc32c_shift_once = PTHREAD_ONCE_INIT;

/* Multiplies the 32x32 GF(2) matrix @mat by the vector @vec. */
static uint32_t gf2_times(const uint32_t *mat, uint32_t vec)
{
	uint32_t sum = 0;

	while (vec) {
		if (vec & 1)
			sum ^= *mat;
		vec >>= 1;
		mat++;
	}
	return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat)
{
	int n;

	for (n = 0; n < 32; n++)
		square[n] = gf2_times(mat, mat[n]);
}

/* The operator that appends @len zero bytes (@len a power of two). */
static void crc32c_zeros_op(uint32_t *even, size_t len)
{
	uint32_t odd[32], row = 1;
	int n;

	odd[0] = CRC32C_POLY;		/* one zero bit */
	for (n = 1; n < 32; n++) {
		odd[n] = row;
		row <<= 1;
	}
	gf2_square(even, odd);		/* two zero bits */
	gf2_square(odd, even);		/* four */
	/* Each square doubles: one zero byte first, then two, four... */
	for (;;) {
		gf2_square(even, odd);
		len >>= 1;
		if (!len)
			return;
		gf2_square(odd, even);
		len >>= 1;
		if (!len)
			break;
	}
	memcpy(even, odd, sizeof(odd));
}

static void crc32c_zeros_table(uint32_t zeros[4][256], size_t len)
{
	uint32_t op[32];
	uint32_t n;

	crc32c_zeros_op(op, len);
	for (n = 0; n < 256; n++) {
		zeros[0][n] = gf2_times(op, n);
		zeros[1][n] = gf2_times(op, n << 8);
		zeros[2][n] = gf2_times(op, n << 16);
		zeros[3][n] = gf2_times(op, n << 24);
	}
}

static void crc32c_init_shift(void)
{
	crc32c_zeros_table(crc32c_long, CRC32C_LONG);
	crc32c_zeros_table(crc32c_short, CRC32C_SHORT);
}

static uint32_t crc32c_shift(const uint32_t zeros[4][256], uint32_t crc)
{
	return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^
	       zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

static inline uint64_t crc32c_load(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Three chains over three adjacent @blk-byte blocks, while they fit. */
__attribute__((target("sse4.2")))
static uint64_t crc32c_sse42_3way(uint64_t c0, const unsigned char **pp,
				  size_t *lenp, size_t blk,
				  const uint32_t zeros[4][256])
{
	const unsigned char *p = *pp, *end;
	uint64_t c1, c2;

	while (*lenp >= 3 * blk) {
		c1 = 0;
		c2 = 0;
		for (end = p + blk; p < end; p += 8) {
			c0 = _mm_crc32_u64(c0, crc32c_load(p));
			c1 = _mm_crc32_u64(c1, crc32c_load(p + blk));
			c2 = _mm_crc32_u64(c2, crc32c_load(p + 2 * blk));
		}
		c0 = crc32c_shift(zeros, (uint32_t)c0) ^ (uint32_t)c1;
		c0 = crc32c_shift(zeros, (uint32_t)c0) ^ (uint32_t)c2;
		p += 2 * blk;
		*lenp -= 3 * blk;
	}
	*pp = p;
	return c0;
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t c = ~crc;

	pthread_once(&crc32c_shift_once, crc32c_init_shift);
	while (len && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	c = crc32c_sse42_3way(c, &p, &len, CRC32C_LONG, crc32c_long);
	c = crc32c_sse42_3way(c, &p, &len, CRC32C_SHORT, crc32c_short);
	while (len >= 8) {
		c = _mm_crc32_u64(c, crc32c_load(p));
		p += 8;
		len -= 8;
	}
	while (len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

static int crc32c_have_sse42(void)
{
	static int have = -1;

	/* A benign race: every thread computes the same answer. */
	if (have < 0)
		have = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	return have;
}

uint32_t kvtd_crc32c(uint32_t crc, const void *buf, size_t len)
{
	if (crc32c_have_sse42())
		return crc32c_sse42(crc, buf, len);
	return kvtd_crc32c_sb8(crc, buf, len);
}

const char *kvtd_crc32c_impl(void)
{
	return crc32c_have_sse42() ? "sse4.2" : "slice-by-8";
}
#else
uint32_t kvtd_crc32c(uint32_t crc, const void *buf, size_t len)
{
	return kvtd_crc32c_sb8(crc, buf, len);
}

const char *kvtd_crc32c_impl(void)
{
	return "slice-by-8";
}
#endif
