#include "junction/crypto/secret_box.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "junction/core/ids.hpp"
#include "junction/crypto/random.hpp"
#include "support_doubles.hpp"

namespace junction::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kAad = "junction/v1/credentials/68b56ea00102030405060708/secret";
constexpr std::string_view kPlaintext = "xoxb-very-secret-token";
constexpr std::size_t kHeaderBytes = 1 + 4 + 12;
constexpr std::size_t kTagBytes = 16;

MasterKey Key(std::uint32_t id, char fill) {
    return MasterKey{.id = id, .key = SecretString(std::string(32, fill))};
}

std::vector<MasterKey> Keys(MasterKey first) {
    std::vector<MasterKey> keys;
    keys.push_back(std::move(first));
    return keys;
}

std::vector<MasterKey> Keys(MasterKey first, MasterKey second) {
    std::vector<MasterKey> keys;
    keys.push_back(std::move(first));
    keys.push_back(std::move(second));
    return keys;
}

std::string FromHex(std::string_view hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return bytes;
}

std::string Flip(std::string blob, std::size_t index) {
    blob[index] = static_cast<char>(static_cast<unsigned char>(blob[index]) ^ 0x01U);
    return blob;
}

void ExpectCannotDecrypt(const Result<SecretString>& opened, std::string_view detail) {
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
    EXPECT_EQ(opened.error().message, "cannot decrypt stored secret");
    EXPECT_EQ(opened.error().detail, detail);
    EXPECT_THAT(opened.error().message, Not(HasSubstr(kPlaintext)));
    EXPECT_THAT(opened.error().detail, Not(HasSubstr(kPlaintext)));
    EXPECT_TRUE(opened.error().fields.empty());
}

class SecretBoxTest : public ::testing::Test {
protected:
    unit::CounterRng rng_{1};
    SecretBox box_{Keys(Key(7, '\x11')), rng_};
};

// --- Failures ------------------------------------------------------------------------------

TEST_F(SecretBoxTest, DifferentAadFails) {
    const std::string blob = box_.Seal(kPlaintext, kAad);

    const auto opened = box_.Open(blob, "junction/v1/credentials/68b56ea00102030405060709/secret");

    ExpectCannotDecrypt(opened, "authentication failed");
}

TEST_F(SecretBoxTest, EmptyAadDiffersFromAnyAad) {
    const std::string blob = box_.Seal(kPlaintext, "");

    ExpectCannotDecrypt(box_.Open(blob, kAad), "authentication failed");
    EXPECT_TRUE(box_.Open(blob, "").has_value());
}

TEST_F(SecretBoxTest, FlippedCiphertextByteFails) {
    const std::string blob = box_.Seal(kPlaintext, kAad);

    for (std::size_t i = kHeaderBytes; i < kHeaderBytes + kPlaintext.size(); ++i) {
        SCOPED_TRACE(i);
        ExpectCannotDecrypt(box_.Open(Flip(blob, i), kAad), "authentication failed");
    }
}

TEST_F(SecretBoxTest, FlippedNonceByteFails) {
    const std::string blob = box_.Seal(kPlaintext, kAad);

    for (std::size_t i = 5; i < kHeaderBytes; ++i) {
        SCOPED_TRACE(i);
        ExpectCannotDecrypt(box_.Open(Flip(blob, i), kAad), "authentication failed");
    }
}

TEST_F(SecretBoxTest, FlippedTagByteFails) {
    const std::string blob = box_.Seal(kPlaintext, kAad);

    for (std::size_t i = blob.size() - kTagBytes; i < blob.size(); ++i) {
        SCOPED_TRACE(i);
        ExpectCannotDecrypt(box_.Open(Flip(blob, i), kAad), "authentication failed");
    }
}

TEST_F(SecretBoxTest, UnknownVersionFails) {
    const std::string blob = box_.Seal(kPlaintext, kAad);

    ExpectCannotDecrypt(box_.Open(Flip(blob, 0), kAad), "malformed blob");
}

TEST_F(SecretBoxTest, UnknownKeyIdFails) {
    const std::string blob = box_.Seal(kPlaintext, kAad);

    ExpectCannotDecrypt(box_.Open(Flip(blob, 4), kAad), "unknown master key id");
    ExpectCannotDecrypt(box_.Open(Flip(blob, 1), kAad), "unknown master key id");
}

TEST_F(SecretBoxTest, TruncatedBlobsFail) {
    const std::string blob = box_.Seal(kPlaintext, kAad);

    ExpectCannotDecrypt(box_.Open("", kAad), "malformed blob");
    ExpectCannotDecrypt(box_.Open(blob.substr(0, kHeaderBytes + kTagBytes - 1), kAad),
                        "malformed blob");
    ExpectCannotDecrypt(box_.Open(blob.substr(0, blob.size() - 1), kAad), "authentication failed");
    ExpectCannotDecrypt(box_.Open(blob + "x", kAad), "authentication failed");
}

TEST_F(SecretBoxTest, WrongKeyMaterialWithTheSameIdFails) {
    const std::string blob = box_.Seal(kPlaintext, kAad);
    const SecretBox impostor(Keys(Key(7, '\x22')), rng_);

    ExpectCannotDecrypt(impostor.Open(blob, kAad), "authentication failed");
}

// Opening reuses a per-thread context keyed by box and key id: another box with the same key id
// but other key material must not inherit it, in either order.
TEST_F(SecretBoxTest, ImpostorWithTheSameIdFailsAfterTheRealBoxOpenedOnThisThread) {
    const std::string blob = box_.Seal(kPlaintext, kAad);
    ASSERT_TRUE(box_.Open(blob, kAad).has_value());
    const SecretBox impostor(Keys(Key(7, '\x22')), rng_);

    ExpectCannotDecrypt(impostor.Open(blob, kAad), "authentication failed");
    const auto again = box_.Open(blob, kAad);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->Reveal(), kPlaintext);
}

// --- Success -------------------------------------------------------------------------------

TEST_F(SecretBoxTest, OpensAfterAFailedOpenOnTheSameThread) {
    const std::string blob = box_.Seal(kPlaintext, kAad);
    ExpectCannotDecrypt(box_.Open(Flip(blob, blob.size() - 1), kAad), "authentication failed");
    ExpectCannotDecrypt(box_.Open(blob, "other aad"), "authentication failed");

    const auto opened = box_.Open(blob, kAad);

    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(opened->Reveal(), kPlaintext);
}

TEST_F(SecretBoxTest, OpensEachMessageWithItsOwnNonce) {
    const std::string first = box_.Seal("first secret", kAad);
    const std::string second = box_.Seal("second, longer secret", kAad);

    for (int round = 0; round < 3; ++round) {
        EXPECT_EQ(box_.Open(second, kAad)->Reveal(), "second, longer secret");
        EXPECT_EQ(box_.Open(first, kAad)->Reveal(), "first secret");
    }
}

TEST(SecretBoxManyBoxesTest, MoreBoxesThanCachedContextsStillOpenTheirOwnBlobs) {
    unit::CounterRng rng{3};
    std::vector<SecretBox> boxes;
    std::vector<std::string> blobs;
    for (int i = 0; i < 20; ++i) {
        boxes.emplace_back(Keys(Key(1, static_cast<char>('a' + i))), rng);
        blobs.push_back(boxes.back().Seal("secret " + std::to_string(i), kAad));
    }

    for (int round = 0; round < 2; ++round) {
        for (std::size_t i = 0; i < boxes.size(); ++i) {
            const auto opened = boxes[i].Open(blobs[i], kAad);
            ASSERT_TRUE(opened.has_value()) << i;
            EXPECT_EQ(opened->Reveal(), "secret " + std::to_string(i));
            const std::size_t other = (i + 1) % boxes.size();
            EXPECT_FALSE(boxes[i].Open(blobs[other], kAad).has_value()) << i;
        }
    }
}

TEST_F(SecretBoxTest, OpensConcurrentlyFromSeveralThreads) {
    const std::string blob = box_.Seal(kPlaintext, kAad);
    std::atomic<int> opened{0};
    constexpr int kThreads = 4;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                const auto result = box_.Open(blob, kAad);
                if (result.has_value() && result->Reveal() == kPlaintext) {
                    ++opened;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }

    EXPECT_EQ(opened.load(), 800);
}

TEST_F(SecretBoxTest, SealThenOpenRoundTrips) {
    const std::string blob = box_.Seal(kPlaintext, kAad);

    const auto opened = box_.Open(blob, kAad);

    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    EXPECT_EQ(opened->Reveal(), kPlaintext);
}

TEST_F(SecretBoxTest, RoundTripsEmptyAndBinaryPlaintext) {
    std::string binary;
    for (int i = 0; i < 1000; ++i) {
        binary.push_back(static_cast<char>(i % 256));
    }

    const auto empty = box_.Open(box_.Seal("", kAad), kAad);
    const auto large = box_.Open(box_.Seal(binary, kAad), kAad);

    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->Empty());
    ASSERT_TRUE(large.has_value());
    EXPECT_EQ(large->Reveal(), binary);
}

TEST_F(SecretBoxTest, BlobHasTheDocumentedLayout) {
    const SecretBox box(Keys(Key(0x01020304, '\x11')), rng_);
    const std::string blob = box.Seal(kPlaintext, kAad);

    ASSERT_EQ(blob.size(), kHeaderBytes + kPlaintext.size() + kTagBytes);
    EXPECT_EQ(blob[0], '\x01');                                        // version
    EXPECT_EQ(blob.substr(1, 4), "\x01\x02\x03\x04");                  // key id, big endian
    EXPECT_EQ(ToHex(blob.substr(5, 12)), "0102030405060708090a0b0c");  // nonce from the Rng
    EXPECT_EQ(blob.find(kPlaintext), std::string::npos);
}

TEST_F(SecretBoxTest, TwoSealsOfTheSamePlaintextDiffer) {
    const std::string first = box_.Seal(kPlaintext, kAad);
    const std::string second = box_.Seal(kPlaintext, kAad);

    EXPECT_NE(first, second);
    EXPECT_NE(first.substr(5, 12), second.substr(5, 12));
    EXPECT_TRUE(box_.Open(first, kAad).has_value());
    EXPECT_TRUE(box_.Open(second, kAad).has_value());
}

TEST(SecretBoxKnownAnswerTest, MatchesAesGcmTestCase14) {
    // McGrew & Viega, GCM spec test case 14: zero key, zero IV, 16 zero bytes, no AAD.
    unit::ConstantRng zeros(0);
    const SecretBox box(Keys(MasterKey{.id = 9, .key = SecretString(std::string(32, '\0'))}),
                        zeros);

    const std::string blob = box.Seal(std::string(16, '\0'), "");

    EXPECT_EQ(ToHex(blob),
              "01"
              "00000009"
              "000000000000000000000000"
              "cea7403d4d606b6e074ec5d3baf39d18"
              "d0d1c8a799996bf0265b98b5d48ab919");
}

TEST(SecretBoxKnownAnswerTest, OpensAnExternallyProducedBlob) {
    // Sealed with Python's cryptography AESGCM: key 00..1f, nonce 00..0b, plaintext "hello".
    std::string key;
    for (int i = 0; i < 32; ++i) {
        key.push_back(static_cast<char>(i));
    }
    unit::ConstantRng unused(0);
    const SecretBox box(Keys(MasterKey{.id = 3, .key = SecretString(key)}), unused);
    const std::string blob = FromHex(
        "01"
        "00000003"
        "000102030405060708090a0b"
        "2f67ba77aa2accac787810f19814ab76b1151446e9");

    const auto opened = box.Open(blob, "junction/v1/credentials/abc/secret");

    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    EXPECT_EQ(opened->Reveal(), "hello");
}

TEST(SecretBoxRotationTest, NewBoxOpensOldBlobsAndSealsWithTheNewKey) {
    SecureRng rng;
    const SecretBox old_box(Keys(Key(1, '\x11')), rng);
    const SecretBox new_box(Keys(Key(2, '\x22'), Key(1, '\x11')), rng);
    const std::string old_blob = old_box.Seal(kPlaintext, kAad);

    const auto reopened = new_box.Open(old_blob, kAad);
    const std::string new_blob = new_box.Seal(kPlaintext, kAad);

    EXPECT_EQ(old_box.ActiveKeyId(), 1U);
    EXPECT_EQ(new_box.ActiveKeyId(), 2U);
    ASSERT_TRUE(reopened.has_value()) << reopened.error().detail;
    EXPECT_EQ(reopened->Reveal(), kPlaintext);
    EXPECT_EQ(new_blob.substr(1, 4), std::string("\0\0\0\x02", 4));
    ExpectCannotDecrypt(old_box.Open(new_blob, kAad), "unknown master key id");
    const auto fresh = new_box.Open(new_blob, kAad);
    ASSERT_TRUE(fresh.has_value());
    EXPECT_EQ(fresh->Reveal(), kPlaintext);
}

TEST(SecretBoxRotationTest, BoxWithoutTheOldKeyCannotOpenOldBlobs) {
    SecureRng rng;
    const SecretBox old_box(Keys(Key(1, '\x11')), rng);
    const SecretBox retired(Keys(Key(2, '\x22')), rng);

    ExpectCannotDecrypt(retired.Open(old_box.Seal(kPlaintext, kAad), kAad),
                        "unknown master key id");
}

// --- Key ids (rotation) ---------------------------------------------------------------------

TEST_F(SecretBoxTest, KeyIdOfReadsTheHeaderAndRejectsMalformedBlobs) {
    const SecretBox rotated(Keys(Key(0x01020304, '\x33'), Key(7, '\x11')), rng_);

    EXPECT_EQ(SecretBox::KeyIdOf(rotated.Seal(kPlaintext, kAad)), 0x01020304U);
    EXPECT_EQ(SecretBox::KeyIdOf(box_.Seal("", kAad)), 7U);
    EXPECT_EQ(SecretBox::KeyIdOf(""), std::nullopt);
    EXPECT_EQ(SecretBox::KeyIdOf(box_.Seal(kPlaintext, kAad).substr(0, kHeaderBytes)),
              std::nullopt);
    EXPECT_EQ(SecretBox::KeyIdOf(Flip(box_.Seal(kPlaintext, kAad), 0)), std::nullopt);
}

TEST_F(SecretBoxTest, KeyIdsListTheActiveKeyFirst) {
    const SecretBox rotated(Keys(Key(9, '\x33'), Key(7, '\x11')), rng_);

    EXPECT_EQ(rotated.ActiveKeyId(), 9U);
    EXPECT_EQ(rotated.KeyIds(), (std::vector<std::uint32_t>{9, 7}));
    const auto opened = rotated.Open(box_.Seal(kPlaintext, kAad), kAad);
    ASSERT_TRUE(opened.has_value()) << "an old key still opens what it sealed";
    EXPECT_EQ(opened->Reveal(), kPlaintext);
}

}  // namespace
}  // namespace junction::crypto
