/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blocks a live replay stores and loads: each block's key and bytes
 * are functions of its trace hash id (and the run's block size), so any
 * process of any tenant can check a loaded block byte for byte without
 * having seen it stored.
 */
#ifndef KVTR_LIVE_CONTENT_H
#define KVTR_LIVE_CONTENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kvtier_drm.h"

/**
 * kvtr_live_key() - the key of a trace block.
 * @hash_id: The block's id in the trace.
 * @block_size: Bytes per block in this run.
 *
 * kvtier-hash128 of a fixed tag, the id and the block size (all
 * little-endian): equal ids give equal keys, as the trace means, and a
 * block stored by a run with another block size is another object rather
 * than one that fails verification.
 *
 * Return: the key.
 */
struct drm_kvtier_key kvtr_live_key(uint64_t hash_id, uint64_t block_size);

/**
 * kvtr_live_fill() - write a block's content.
 * @key: The block's key.
 * @buf: Where to write.
 * @len: Bytes to write (the block size; need not be a multiple of 8).
 *
 * The content is splitmix64's stream seeded from @key, as little-endian
 * words: cheap enough to generate at memory speed, and no two keys share
 * a word stream in practice.
 */
void kvtr_live_fill(const struct drm_kvtier_key *key, void *buf, size_t len);

/**
 * kvtr_live_verify() - check a block's content against its key.
 * @key: The block's key.
 * @buf: The bytes loaded.
 * @len: Bytes at @buf.
 *
 * Return: -1 when @buf holds exactly what kvtr_live_fill() writes for
 * @key, else the offset of the first byte that differs.
 */
ssize_t kvtr_live_verify(const struct drm_kvtier_key *key, const void *buf,
			 size_t len);

#endif /* KVTR_LIVE_CONTENT_H */
