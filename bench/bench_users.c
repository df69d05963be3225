/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark's users and origins (see bench_users.h).  The fingerprint is
 * computed as vigild does (daemon/ssh_key.c): SHA-256 of the key blob,
 * base64 without padding, after "SHA256:".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "bench_users.h"

#define ED25519_TYPE "ssh-ed25519"
#define ED25519_SIZE 32
#define BLOB_SIZE    (4 + sizeof(ED25519_TYPE) - 1 + 4 + ED25519_SIZE)

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void bench_origin(enum bench_user_kind k, unsigned i, enum bench_key key, struct bench_origin *o)
{
	uint8_t blob[BLOB_SIZE], *p = blob, digest[SHA256_DIGEST_LENGTH];
	unsigned char b64[(BLOB_SIZE + 2) / 3 * 4 + 1], fp64[(SHA256_DIGEST_LENGTH + 2) / 3 * 4 + 1];
	unsigned a = i >> 16 & 0x3f, b = i >> 8 & 0xff, c = i & 0xff, n;
	uint64_t seed = ((uint64_t)k << 40) ^ ((uint64_t)key << 32) ^ i, v = 0;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%c%07u", k == BENCH_POOL ? 'b' : 's', i);
	if (k == BENCH_POOL)
		snprintf(o->rhost, sizeof(o->rhost), "10.%u.%u.%u", a, b, c);
	else if (key == BENCH_KEY_KNOWN)
		snprintf(o->rhost, sizeof(o->rhost), "11.%u.%u.%u", a, b, c);
	else
		snprintf(o->rhost, sizeof(o->rhost), "100.%u.%u.%u", 64 + a, b, c);
	snprintf(o->prefix, sizeof(o->prefix), "%.*s.0/24", (int)(strrchr(o->rhost, '.') - o->rhost), o->rhost);

	put_u32(p, sizeof(ED25519_TYPE) - 1);
	p += 4;
	memcpy(p, ED25519_TYPE, sizeof(ED25519_TYPE) - 1);
	p += sizeof(ED25519_TYPE) - 1;
	put_u32(p, ED25519_SIZE);
	p += 4;
	for (n = 0; n < ED25519_SIZE; n++) {
		if (n % 8 == 0)
			v = mix(seed + n);
		p[n] = (uint8_t)(v >> (n % 8 * 8));
	}
	EVP_EncodeBlock(b64, blob, sizeof(blob));
	snprintf(o->auth_info, sizeof(o->auth_info), "publickey %s %s", ED25519_TYPE, (const char *)b64);

	SHA256(blob, sizeof(blob), digest);
	n = (unsigned)EVP_EncodeBlock(fp64, digest, sizeof(digest));
	while (n > 0 && fp64[n - 1] == '=')
		n--;
	fp64[n] = '\0';
	snprintf(o->fingerprint, sizeof(o->fingerprint), "SHA256:%s", (const char *)fp64);
}
