// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests of helper/binding.c: the pubKeyAuth binding hashes and
 * the echo, with the vectors of the protocol brief (pyspnego's
 * test_pub_key_auth and vectors computed for 32-byte nonces).
 */
#include <stdio.h>
#include <string.h>

#include "binding.h"
#include "kselftest_harness.h"

static void unhex(const char *hex, uint8_t *out, size_t *len)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned int b;

		sscanf(hex, "%2x", &b);
		out[n++] = (uint8_t)b;
	}
	*len = n;
}

struct kat {
	const char *pk, *nonce, *c2s, *s2c;
};

static const struct kat kats[] = {
	/* pyspnego tests/test_credssp.py::test_pub_key_auth (2-byte nonce) */
	{"0001", "0000", "4590c26c837dacdf3da8fae578264d9e45486afc3951f21ef357064cd55fbbb5",
	 "cdf4ffee6cb6395e5b692c2da397386f6a1eab2d3a6271816a04c7a2914d333f"},
	{"0001", "0000000000000000000000000000000000000000000000000000000000000000",
	 "5e2199fa05ccd2621664ceefd8752a09efdc9334a27442177465124bbd672d55",
	 "52308af9af0872af75304fb06b2841eee9d47463e28307fac440e47760784a90"},
	{"3082010a0282010100", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	 "1a7ed6cd335fea493357f1f7e39a360c6af9b060be0cfcdf4cee25d9349a687a",
	 "c5aa3672cd9b4fe54e6afd0403cdbf741ed6c70763de2d0651fb9c6d114524f7"},
};

TEST(hash_known_answers)
{
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		uint8_t pk[64], nonce[32], want[32], got[CSSP_BINDING_HASH_LEN];
		size_t pk_len, nonce_len, want_len;

		unhex(kats[i].pk, pk, &pk_len);
		unhex(kats[i].nonce, nonce, &nonce_len);
		unhex(kats[i].c2s, want, &want_len);
		ASSERT_EQ(0, cssp_binding_hash(CSSP_CLIENT_TO_SERVER, nonce, nonce_len, pk, pk_len,
					       got));
		EXPECT_EQ(0, memcmp(want, got, 32)) TH_LOG("c2s vector %zu", i);
		unhex(kats[i].s2c, want, &want_len);
		ASSERT_EQ(0, cssp_binding_hash(CSSP_SERVER_TO_CLIENT, nonce, nonce_len, pk, pk_len,
					       got));
		EXPECT_EQ(0, memcmp(want, got, 32)) TH_LOG("s2c vector %zu", i);
	}
}

/* The magic's NUL is part of the input: without it the hash is e387d59f... */
TEST(hash_includes_the_nul)
{
	static const uint8_t pk[] = {0, 1}, nonce[] = {0, 0};
	uint8_t got[CSSP_BINDING_HASH_LEN];

	ASSERT_EQ(0, cssp_binding_hash(CSSP_CLIENT_TO_SERVER, nonce, 2, pk, 2, got));
	EXPECT_NE(0xe3, got[0]);
	EXPECT_EQ(0x45, got[0]);
}

TEST(echo_increment)
{
	uint8_t rsa[] = {0x30, 0x82, 0x01}, ec[] = {0x04, 0xaa}, kat[] = {0x00, 0x01},
		carry[] = {0xff, 0xff, 0x07};

	cssp_binding_echo_increment(rsa, sizeof(rsa));
	EXPECT_EQ(0x31, rsa[0]);
	EXPECT_EQ(0x82, rsa[1]);
	cssp_binding_echo_increment(ec, sizeof(ec));
	EXPECT_EQ(0x05, ec[0]);
	cssp_binding_echo_increment(kat, sizeof(kat)); /* pyspnego: 00 01 -> 01 01 */
	EXPECT_EQ(0x01, kat[0]);
	EXPECT_EQ(0x01, kat[1]);
	cssp_binding_echo_increment(carry, sizeof(carry));
	EXPECT_EQ(0x00, carry[0]);
	EXPECT_EQ(0x00, carry[1]);
	EXPECT_EQ(0x08, carry[2]);
}

TEST_HARNESS_MAIN
