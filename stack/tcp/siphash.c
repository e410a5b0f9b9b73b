/*
 * siphash.c — SipHash-2-4 (Aumasson and Bernstein, 2012), the keyed
 * pseudorandom function F() behind tapir's initial sequence numbers
 * (RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey)).
 */
#include "tcp/tcp_internal.h"

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = rotl(v[2], 32);
}

uint64_t siphash24(const uint64_t key[2], const uint8_t *data, size_t len)
{
	uint64_t v[4] = {
	    key[0] ^ 0x736f6d6570736575ull,
	    key[1] ^ 0x646f72616e646f6dull,
	    key[0] ^ 0x6c7967656e657261ull,
	    key[1] ^ 0x7465646279746573ull,
	};
	size_t whole = len - len % 8;

	for (size_t i = 0; i < whole; i += 8) {
		uint64_t m = load_le64(data + i);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	/* The last block: the leftover bytes and the length in the top byte. */
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)data[whole + i] << (8 * i);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;

	v[2] ^= 0xff;
	for (unsigned i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
