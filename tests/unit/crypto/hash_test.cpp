#include "junction/crypto/hash.hpp"

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "junction/core/ids.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/crypto/random.hpp"
#include "support_doubles.hpp"

namespace junction::crypto {
namespace {

constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

TEST(Sha256HexTest, MatchesKnownVectors) {
    EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256HexTest, HashesEmbeddedNulBytes) {
    EXPECT_NE(Sha256Hex(std::string_view("a\0b", 3)), Sha256Hex("a"));
    EXPECT_EQ(Sha256Hex(std::string_view("a\0b", 3)).size(), 64U);
}

TEST(ConstantTimeEqualsTest, DifferentLengthsAreUnequal) {
    EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
    EXPECT_FALSE(ConstantTimeEquals("", "a"));
    EXPECT_FALSE(ConstantTimeEquals("abc", std::string_view("abc\0", 4)));
}

TEST(ConstantTimeEqualsTest, DifferenceAnywhereIsUnequal) {
    EXPECT_FALSE(ConstantTimeEquals("xbcdef", "abcdef"));
    EXPECT_FALSE(ConstantTimeEquals("abcxef", "abcdef"));
    EXPECT_FALSE(ConstantTimeEquals("abcdex", "abcdef"));
    EXPECT_FALSE(ConstantTimeEquals("ABCDEF", "abcdef"));
}

TEST(ConstantTimeEqualsTest, EqualInputsAreEqual) {
    EXPECT_TRUE(ConstantTimeEquals("", ""));
    EXPECT_TRUE(ConstantTimeEquals("abcdef", "abcdef"));
    EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}

TEST(GenerateTokenTest, IsPrefixPlus43Base64UrlCharacters) {
    unit::CounterRng rng(0);

    const std::string token = GenerateToken(rng, "jk_");

    ASSERT_EQ(token.size(), 3U + 43U);
    EXPECT_EQ(token.substr(0, 3), "jk_");
    EXPECT_EQ(token.find_first_not_of(kUrlAlphabet, 3), std::string::npos) << token;
}

TEST(GenerateTokenTest, EncodesExactlyTheRandomBytes) {
    unit::CounterRng rng(0);  // bytes 00 01 .. 1f

    const std::string token = GenerateToken(rng, "mcp_");

    ASSERT_EQ(token.substr(0, 4), "mcp_");
    std::string expected;
    for (int i = 0; i < 32; ++i) {
        expected.push_back(static_cast<char>(i));
    }
    EXPECT_EQ(Base64UrlDecode(token.substr(4)), expected);
    EXPECT_EQ(rng.Calls(), 1U);
}

TEST(GenerateTokenTest, ByteCountIsConfigurable) {
    unit::ConstantRng zeros(0);

    EXPECT_EQ(GenerateToken(zeros, "t_", 16), "t_" + std::string(22, 'A'));
    EXPECT_EQ(GenerateToken(zeros, "", 3), "AAAA");
}

TEST(GenerateTokenTest, SecureRngTokensDiffer) {
    SecureRng rng;
    std::set<std::string> tokens;

    for (int i = 0; i < 100; ++i) {
        tokens.insert(GenerateToken(rng, "jk_"));
    }

    EXPECT_EQ(tokens.size(), 100U);
}

TEST(SecureRngTest, FillsBuffersOfAnySize) {
    SecureRng rng;
    std::array<std::uint8_t, 64> first{};
    std::array<std::uint8_t, 64> second{};
    std::array<std::uint8_t, 0> none{};

    rng.Fill(first);
    rng.Fill(second);
    rng.Fill(none);

    EXPECT_NE(first, second);
    EXPECT_NE(first, (std::array<std::uint8_t, 64>{}));
}

TEST(HkdfSha256Test, MatchesRfc5869WithEmptySaltAndInfo) {
    // RFC 5869 test case 3: IKM = 22 x 0x0b, no salt, no info, L = 42.
    EXPECT_EQ(
        ToHex(HkdfSha256(std::string(22, '\x0b'), "", 42)),
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfSha256Test, TheLabelSeparatesPurposes) {
    std::string key;
    for (int i = 0; i < 32; ++i) {
        key.push_back(static_cast<char>(i));
    }
    // Computed independently (Python hmac/hashlib) for the file-URL label.
    EXPECT_EQ(ToHex(HkdfSha256(key, "junction-file-urls", 32)),
              "bed2dcb4869b802aa0de9a1de6a78b54e46616864d0820bc38d07a97e07c26fd");
    EXPECT_NE(HkdfSha256(key, "junction-file-urls", 32), HkdfSha256(key, "other", 32));
}

TEST(Md5Test, MatchesKnownVectors) {
    EXPECT_EQ(ToHex(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(ToHex(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Md5HasherTest, PiecesHashLikeTheWholeAndTheHasherStartsOver) {
    Md5Hasher hasher;
    hasher.Update("a");
    hasher.Update("");
    hasher.Update("bc");
    EXPECT_EQ(ToHex(hasher.Finish()), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(ToHex(hasher.Finish()), "d41d8cd98f00b204e9800998ecf8427e");
    Md5Hasher moved = std::move(hasher);
    moved.Update("abc");
    EXPECT_EQ(ToHex(moved.Finish()), "900150983cd24fb0d6963f7d28e17f72");
}

}  // namespace
}  // namespace junction::crypto
