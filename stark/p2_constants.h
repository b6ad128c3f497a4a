/* Round constants and internal diagonal of Poseidon2 over Goldilocks,
 * width 12 (4 + 22 + 4 rounds), transcribed (by a one-off script) from the
 * sections [external_initial], [internal], [external_final] and [mat_diag_m_1] of
 * tests/vectors/poseidon2-goldilocks-w12.txt (Grain LFSR constants with
 * field_type=1, sbox=0, n=64, t=12, R_F=8, R_P=22, as published by the
 * Poseidon2 authors and Plonky3 v0.5+). test_p2 checks the known-answer
 * vectors of that file against every path, so a typo here fails the tests.
 *
 * Private to the p2 module: included by p2.c, p2_avx2.c and p2_avx512.c so
 * each translation unit sees the values at compile time. */
#ifndef CAIRN_STARK_P2_CONSTANTS_H
#define CAIRN_STARK_P2_CONSTANTS_H

#include <stdint.h>

#define P2_ROUNDS_F_HALF 4 /* full rounds before and after the partial ones */
#define P2_ROUNDS_P 22     /* partial rounds */

/* Added to all 12 elements in each of the 4 initial full rounds. */
static const uint64_t P2_RC_EXT_INIT[P2_ROUNDS_F_HALF][12] = {
    {
        0x13dcf33aba214f46ull, 0x30b3b654a1da6d83ull, 0x1fc634ada6159b56ull, 0x937459964dc03466ull,
        0xedd2ef2ca7949924ull, 0xede9affde0e22f68ull, 0x8515b9d6bac9282dull, 0x6b5c07b4e9e900d8ull,
        0x1ec66368838c8a08ull, 0x9042367d80d1fbabull, 0x400283564a3c3799ull, 0x4a00be0466bca75eull,
    },
    {
        0x7913beee58e3817full, 0xf545e88532237d90ull, 0x22f8cb8736042005ull, 0x6f04990e247a2623ull,
        0xfe22e87ba37c38cdull, 0xd20e32c85ffe2815ull, 0x117227674048fe73ull, 0x4e9fb7ea98a6b145ull,
        0xe0866c232b8af08bull, 0x00bbc77916884964ull, 0x7031c0fb990d7116ull, 0x240a9e87cf35108full,
    },
    {
        0x2e6363a5a12244b3ull, 0x5e1c3787d1b5011cull, 0x4132660e2a196e8bull, 0x3a013b648d3d4327ull,
        0xf79839f49888ea43ull, 0xfe85658ebafe1439ull, 0xb6889825a14240bdull, 0x578453605541382bull,
        0x4508cda8f6b63ce9ull, 0x9c3ef35848684c91ull, 0x0812bde23c87178cull, 0xfe49638f7f722c14ull,
    },
    {
        0x8e3f688ce885cbf5ull, 0xb8e110acf746a87dull, 0xb4b2e8973a6dabefull, 0x9e714c5da3d462ecull,
        0x6438f9033d3d0c15ull, 0x24312f7cf1a27199ull, 0x23f843bb47acbf71ull, 0x9183f11a34be9f01ull,
        0x839062fbb9d45dbfull, 0x24b56e7e6c2e43faull, 0xe1683da61c962a72ull, 0xa95c63971a19bfa7ull,
    },
};

/* Added to element 0 in each partial round. */
static const uint64_t P2_RC_INT[P2_ROUNDS_P] = {
    0x4adf842aa75d4316ull, 0xf8fbb871aa4ab4ebull, 0x68e85b6eb2dd6aebull, 0x07a0b06b2d270380ull,
    0xd94e0228bd282de4ull, 0x8bdd91d3250c5278ull, 0x209c68b88bba778full, 0xb5e18cdab77f3877ull,
    0xb296a3e808da93faull, 0x8370ecbda11a327eull, 0x3f9075283775dad8ull, 0xb78095bb23c6aa84ull,
    0x3f36b9fe72ad4e5full, 0x69bc96780b10b553ull, 0x3f1d341f2eb7b881ull, 0x4e939e9815838818ull,
    0xda366b3ae2a31604ull, 0xbc89db1e7287d509ull, 0x6102f411f9ef5659ull, 0x58725c5e7ac1f0abull,
    0x0df5856c798883e7ull, 0xf7bb62a8da4c961bull,
};

/* Added to all 12 elements in each of the 4 final full rounds. */
static const uint64_t P2_RC_EXT_FINAL[P2_ROUNDS_F_HALF][12] = {
    {
        0xc68be7c94882a24dull, 0xaf996d5d5cdaedd9ull, 0x9717f025e7daf6a5ull, 0x6436679e6e7216f4ull,
        0x8a223d99047af267ull, 0xbb512e35a133ba9aull, 0xfbbf44097671aa03ull, 0xf04058ebf6811e61ull,
        0x5cca84703fac7ffbull, 0x9b55c7945de6469full, 0x8e05bf09808e934full, 0x2ea900de876307d7ull,
    },
    {
        0x7748fff2b38dfb89ull, 0x6b99a676dd3b5d81ull, 0xac4bb7c627cf7c13ull, 0xadb6ebe5e9e2f5baull,
        0x2d33378cafa24ae3ull, 0x1e5b73807543f8c2ull, 0x09208814bfebb10full, 0x782e64b6bb5b93ddull,
        0xadd5a48eac90b50full, 0xadd4c54c736ea4b1ull, 0xd58dbb86ed817fd8ull, 0x6d5ed1a533f34dddull,
    },
    {
        0x28686aa3e36b7cb9ull, 0x591abd3476689f36ull, 0x047d766678f13875ull, 0xa2a11112625f5b49ull,
        0x21fd10a3f8304958ull, 0xf9b40711443b0280ull, 0xd2697eb8b2bde88eull, 0x3493790b51731b3full,
        0x11caf9dd73764023ull, 0x7acfb8f72878164eull, 0x744ec4db23cefc26ull, 0x1e00e58f422c6340ull,
    },
    {
        0x21dd28d906a62ddaull, 0xf32a46ab5f465b5full, 0xbfce13201f3f7e6bull, 0xf30d2e7adb5304e2ull,
        0xecdf4ee4abad48e9ull, 0xf94e82182d395019ull, 0x4ee52e3744d887c5ull, 0xa1341c7cac0083b2ull,
        0x2302fb26c30c834aull, 0xaea3c587273bf7d3ull, 0xf798e24961823ec7ull, 0x962deba3e9a2cd94ull,
    },
};

/* Internal layer x_i <- d_i x_i + sum_j x_j with d = MAT_DIAG_M_1 =
 * (-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/4, -1/4, 1/8) mod p. The reference
 * multiplies by these field elements; the fast paths use the small
 * rational values directly (checked against this table by the tests). */
static const uint64_t P2_DIAG[12] = {
    0xfffffffeffffffffull, 0x0000000000000001ull, 0x0000000000000002ull, 0x7fffffff80000001ull,
    0x0000000000000003ull, 0x0000000000000004ull, 0x7fffffff80000000ull, 0xfffffffefffffffeull,
    0xfffffffefffffffdull, 0xbfffffff40000001ull, 0x3fffffffc0000000ull, 0xdfffffff20000001ull,
};

#endif
