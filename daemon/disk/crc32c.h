/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * the disk tier's headers and contents. The standard check value is
 * crc32c("123456789") == 0xE3069283.
 */
#ifndef KVTD_DISK_CRC32C_H
#define KVTD_DISK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * kvtd_crc32c - checksum @len bytes at @buf, continuing from @crc.
 *
 * Start with @crc = 0; chaining holds: crc32c(crc32c(0, a), b) is the
 * checksum of a followed by b. Uses the CPU's crc32 instruction where
 * there is one (SSE4.2), else slice-by-8 tables. Never fails.
 */
uint32_t kvtd_crc32c(uint32_t crc, const void *buf, size_t len);

/* The portable slice-by-8 implementation, same contract. */
uint32_t kvtd_crc32c_sb8(uint32_t crc, const void *buf, size_t len);

/* One byte at a time from the 256-entry table: the reference for tests. */
uint32_t kvtd_crc32c_bytewise(uint32_t crc, const void *buf, size_t len);

/* Which implementation kvtd_crc32c() uses: "sse4.2" or "slice-by-8". */
const char *kvtd_crc32c_impl(void);

#endif /* KVTD_DISK_CRC32C_H */
