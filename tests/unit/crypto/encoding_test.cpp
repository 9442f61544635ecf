#include "junction/crypto/encoding.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace junction::crypto {
namespace {

struct Vector {
    std::string_view plain{};
    std::string_view standard{};  // padded base64
    std::string_view url{};       // unpadded base64url
};

// RFC 4648 §10.
constexpr std::array<Vector, 7> kRfc4648{{
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
}};

std::string AllBytes() {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes.push_back(static_cast<char>(i));
    }
    return bytes;
}

// --- Invalid input -------------------------------------------------------------------------

TEST(Base64DecodeTest, RejectsCharactersOutsideTheAlphabet) {
    EXPECT_EQ(Base64Decode("Zm9v!"), std::nullopt);
    EXPECT_EQ(Base64Decode("Zm 9v"), std::nullopt);
    EXPECT_EQ(Base64Decode("Zm9v\n"), std::nullopt);
    EXPECT_EQ(Base64Decode("-_8="), std::nullopt);  // url alphabet in the standard decoder
}

TEST(Base64UrlDecodeTest, RejectsCharactersOutsideTheAlphabet) {
    EXPECT_EQ(Base64UrlDecode("Zm9v!"), std::nullopt);
    EXPECT_EQ(Base64UrlDecode("+/8"), std::nullopt);  // standard alphabet in the url decoder
    EXPECT_EQ(Base64UrlDecode("Zm9v.Zm9v"), std::nullopt);
}

TEST(Base64DecodeTest, RejectsImpossibleLengths) {
    EXPECT_EQ(Base64Decode("Z"), std::nullopt);
    EXPECT_EQ(Base64Decode("Zm9vY"), std::nullopt);
    EXPECT_EQ(Base64Decode("Z==="), std::nullopt);
    EXPECT_EQ(Base64UrlDecode("Zm9vY"), std::nullopt);
}

TEST(Base64DecodeTest, ReadsOnlyTheGivenView) {
    constexpr std::string_view kBuffer = "Zm9vYg==";

    EXPECT_EQ(Base64Decode(kBuffer.substr(0, 4)), "foo");
    EXPECT_EQ(Base64UrlDecode(kBuffer.substr(0, 6)), "foob");
    EXPECT_EQ(Base64Decode(kBuffer.substr(0, 5)), std::nullopt);
}

TEST(Base64DecodeTest, RejectsPaddingInTheMiddle) {
    EXPECT_EQ(Base64Decode("Zg==Zg=="), std::nullopt);
    EXPECT_EQ(Base64UrlDecode("Zg==Zg"), std::nullopt);
}

// --- Vectors -------------------------------------------------------------------------------

TEST(Base64EncodeTest, MatchesRfc4648Vectors) {
    for (const Vector& vector : kRfc4648) {
        EXPECT_EQ(Base64Encode(vector.plain), vector.standard) << vector.plain;
    }
}

TEST(Base64UrlEncodeTest, MatchesRfc4648VectorsWithoutPadding) {
    for (const Vector& vector : kRfc4648) {
        EXPECT_EQ(Base64UrlEncode(vector.plain), vector.url) << vector.plain;
    }
}

TEST(Base64DecodeTest, DecodesRfc4648Vectors) {
    for (const Vector& vector : kRfc4648) {
        EXPECT_EQ(Base64Decode(vector.standard), std::string(vector.plain)) << vector.standard;
    }
}

TEST(Base64UrlDecodeTest, DecodesPaddedAndUnpaddedVectors) {
    for (const Vector& vector : kRfc4648) {
        EXPECT_EQ(Base64UrlDecode(vector.url), std::string(vector.plain)) << vector.url;
        EXPECT_EQ(Base64UrlDecode(vector.standard), std::string(vector.plain)) << vector.standard;
    }
}

TEST(Base64EncodeTest, AlphabetsDifferOnlyInTheLastTwoCharacters) {
    const std::string bytes("\xfb\xff\xbf", 3);

    EXPECT_EQ(Base64Encode(bytes), "+/+/");
    EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
    EXPECT_EQ(Base64Encode(std::string("\xff\xff", 2)), "//8=");
    EXPECT_EQ(Base64UrlEncode(std::string("\xff\xff", 2)), "__8");
}

TEST(Base64Test, RoundTripsEveryByteValue) {
    const std::string bytes = AllBytes();

    EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)), bytes);
    EXPECT_EQ(Base64UrlEncode(bytes).find_first_of("+/="), std::string::npos);
}

TEST(Base64Test, RoundTripsEveryTailLength) {
    const std::string bytes = AllBytes();
    for (std::size_t length = 0; length < 10; ++length) {
        const std::string prefix = bytes.substr(250 - length, length);

        EXPECT_EQ(Base64Decode(Base64Encode(prefix)), prefix) << length;
        EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(prefix)), prefix) << length;
        EXPECT_EQ(Base64Encode(prefix).size() % 4, 0U) << length;
    }
}

}  // namespace
}  // namespace junction::crypto

namespace junction::crypto {
namespace {

TEST(CanonicalBase64Test, NonZeroUnusedBitsAreRejected) {
    // "f" is "Zg": the last character carries 2 data bits and 4 zero bits.
    EXPECT_EQ(Base64UrlDecode("Zg"), std::optional<std::string>("f"));
    EXPECT_FALSE(Base64UrlDecode("Zh").has_value());
    EXPECT_FALSE(Base64Decode("Zh==").has_value());
    EXPECT_EQ(Base64UrlDecode("Zm8"), std::optional<std::string>("fo"));
    EXPECT_FALSE(Base64UrlDecode("Zm9").has_value());
}

}  // namespace
}  // namespace junction::crypto
