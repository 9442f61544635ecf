#include "junction/service/token_service.hpp"

#include <limits>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "junction/crypto/encoding.hpp"
#include "junction/crypto/hash.hpp"
#include "support_doubles.hpp"

namespace junction::service {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kUser = "68c3229752345278627ae373";
constexpr std::int64_t kNowSeconds = 1'756'720'800;  // 2025-09-01T10:00:00Z

// Builds a token by hand, signed with `secret`, to probe what Verify refuses.
std::string Forge(const boost::json::object& header,
                  const boost::json::object& claims,
                  std::string_view secret = kSecret) {
    std::string token = crypto::Base64UrlEncode(boost::json::serialize(header)) + "." +
                        crypto::Base64UrlEncode(boost::json::serialize(claims));
    return token + "." + crypto::Base64UrlEncode(crypto::HmacSha256(secret, token));
}

boost::json::object Claims(std::int64_t iat, std::int64_t exp, std::string_view sub = kUser) {
    return {{"sub", sub}, {"iss", "junction"}, {"iat", iat}, {"exp", exp}};
}

const boost::json::object kHs256{{"alg", "HS256"}, {"typ", "JWT"}};

class TokenServiceTest : public ::testing::Test {
protected:
    void ExpectRejected(const std::string& token, std::string_view reason) {
        const auto verified = tokens_.Verify(token);
        ASSERT_FALSE(verified.has_value()) << reason;
        EXPECT_EQ(verified.error().code, ErrorCode::kUnauthenticated);
        EXPECT_EQ(verified.error().message, "Invalid or missing authentication");
        EXPECT_EQ(verified.error().detail, "jwt: " + std::string(reason));
    }

    unit::ManualClock clock_{FromUnixMillis(kNowSeconds * 1000)};
    TokenService tokens_{SecretString(std::string(kSecret)), "junction", clock_};
};

TEST_F(TokenServiceTest, IssuedTokensVerify) {
    const IssuedToken issued = tokens_.Issue(kUser, std::chrono::hours(24), 0);
    EXPECT_TRUE(LooksLikeJwt(issued.token));
    EXPECT_EQ(FormatTimestamp(issued.expires_at), "2025-09-02T10:00:00.000Z");

    const auto claims = tokens_.Verify(issued.token);
    ASSERT_TRUE(claims.has_value()) << claims.error().detail;
    EXPECT_EQ(claims->subject, kUser);
    EXPECT_EQ(ToUnixMillis(claims->issued_at), kNowSeconds * 1000);
}

TEST_F(TokenServiceTest, TheTokenIsAStandardHs256Jwt) {
    const std::string token = tokens_.Issue(kUser, std::chrono::seconds(60), 0).token;
    EXPECT_EQ(token, Forge(kHs256, Claims(kNowSeconds, kNowSeconds + 60)));
}

TEST_F(TokenServiceTest, ExpiryHonoursTheClockSkew) {
    const std::string token = tokens_.Issue(kUser, std::chrono::seconds(60), 0).token;
    clock_.Advance(std::chrono::seconds(60 + 59));
    EXPECT_TRUE(tokens_.Verify(token).has_value());
    clock_.Advance(std::chrono::seconds(1));
    ExpectRejected(token, "expired");
}

TEST_F(TokenServiceTest, ATamperedTokenIsRejected) {
    std::string token = tokens_.Issue(kUser, std::chrono::hours(1), 0).token;
    const std::string other_claims = crypto::Base64UrlEncode(boost::json::serialize(
        Claims(kNowSeconds, kNowSeconds + 3600, "68c3229752345278627ae374")));
    const std::size_t first = token.find('.');
    const std::size_t second = token.find('.', first + 1);
    ExpectRejected(token.substr(0, first + 1) + other_claims + token.substr(second),
                   "bad signature");
    token[token.size() - 10] = token[token.size() - 10] == 'A' ? 'B' : 'A';  // inside the signature
    ExpectRejected(token, "bad signature");
}

TEST_F(TokenServiceTest, EveryFinalCharacterButTheIssuedOneIsRejected) {
    const std::string token = tokens_.Issue(kUser, std::chrono::hours(1), 0).token;
    const std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (const char c : alphabet) {
        std::string changed = token;
        changed.back() = c;
        EXPECT_EQ(tokens_.Verify(changed).has_value(), c == token.back()) << c;
    }
}

TEST_F(TokenServiceTest, AnotherSecretIsRejected) {
    ExpectRejected(
        Forge(kHs256, Claims(kNowSeconds, kNowSeconds + 60), "another-secret-another-secret-xx"),
        "bad signature");
}

TEST_F(TokenServiceTest, OtherAlgorithmsAreRejected) {
    ExpectRejected(Forge({{"alg", "none"}}, Claims(kNowSeconds, kNowSeconds + 60)),
                   "algorithm is not HS256");
    ExpectRejected(Forge({{"alg", "HS512"}}, Claims(kNowSeconds, kNowSeconds + 60)),
                   "algorithm is not HS256");
    const std::string unsigned_token =
        crypto::Base64UrlEncode(R"({"alg":"none"})") + "." +
        crypto::Base64UrlEncode(boost::json::serialize(Claims(kNowSeconds, kNowSeconds + 60))) +
        ".";
    ExpectRejected(unsigned_token, "bad signature");
}

TEST_F(TokenServiceTest, ClaimsAreChecked) {
    ExpectRejected(Forge(kHs256, Claims(kNowSeconds, kNowSeconds + 60, "not-a-user-id")),
                   "sub is not a userId");
    auto wrong_issuer = Claims(kNowSeconds, kNowSeconds + 60);
    wrong_issuer["iss"] = "someone-else";
    ExpectRejected(Forge(kHs256, wrong_issuer), "wrong issuer");
    auto no_expiry = Claims(kNowSeconds, kNowSeconds + 60);
    no_expiry.erase("exp");
    ExpectRejected(Forge(kHs256, no_expiry), "exp or iat missing");
    ExpectRejected(Forge(kHs256, Claims(kNowSeconds + 3600, kNowSeconds + 7200)),
                   "issued in the future");
    ExpectRejected(Forge(kHs256, Claims(kNowSeconds, kNowSeconds + 31L * 24 * 3600)),
                   "lifetime over 30 days");
    EXPECT_TRUE(tokens_.Verify(Forge(kHs256, Claims(kNowSeconds, kNowSeconds + 30L * 24 * 3600)))
                    .has_value());
}

TEST_F(TokenServiceTest, TheEpochTravelsInTheTokenAndIsAbsentAtZero) {
    const auto epoch3 = tokens_.Verify(tokens_.Issue(kUser, std::chrono::hours(1), 3).token);
    ASSERT_TRUE(epoch3.has_value()) << epoch3.error().detail;
    EXPECT_EQ(epoch3->epoch, 3);
    auto with_epoch = Claims(kNowSeconds, kNowSeconds + 60);
    with_epoch["epoch"] = 3;
    EXPECT_EQ(tokens_.Issue(kUser, std::chrono::seconds(60), 3).token, Forge(kHs256, with_epoch));
    // Tokens issued before epochs existed (no claim) count as epoch 0.
    EXPECT_EQ(tokens_.Verify(Forge(kHs256, Claims(kNowSeconds, kNowSeconds + 60)))->epoch, 0);

    for (const boost::json::value& bad : {boost::json::value(-1),
                                          boost::json::value("3"),
                                          boost::json::value(1.5),
                                          boost::json::value(nullptr)}) {
        auto claims = Claims(kNowSeconds, kNowSeconds + 60);
        claims["epoch"] = bad;
        ExpectRejected(Forge(kHs256, claims), "epoch is not a non-negative integer");
    }
}

// Found by tests/fuzz/jwt_fuzz (corpus regression-jwt-iat-int64-min): with a valid signature,
// iat = INT64_MIN overflowed `iat - skew` (UBSan); negative times are now no claim at all.
TEST_F(TokenServiceTest, NegativeOrHugeTimesAreNoClaim) {
    const auto min = std::numeric_limits<std::int64_t>::min();
    const auto max = std::numeric_limits<std::int64_t>::max();
    ExpectRejected(Forge(kHs256, Claims(min, kNowSeconds + 60)), "exp or iat missing");
    ExpectRejected(Forge(kHs256, Claims(min, std::int64_t{1} << 61U)), "exp or iat missing");
    ExpectRejected(Forge(kHs256, Claims(-1, kNowSeconds + 60)), "exp or iat missing");
    ExpectRejected(Forge(kHs256, Claims(kNowSeconds, max)), "exp or iat missing");
    ExpectRejected(Forge(kHs256, Claims(kNowSeconds, -kNowSeconds)), "exp or iat missing");
}

TEST_F(TokenServiceTest, MalformedTokensAreRejected) {
    ExpectRejected("", "not three segments");
    ExpectRejected("a.b", "not three segments");
    ExpectRejected("a.b.c.d", "not three segments");
    ExpectRejected("eyJ!.e30.sig", "bad signature");
    const std::string not_json =
        crypto::Base64UrlEncode("not json") + "." + crypto::Base64UrlEncode("{}");
    ExpectRejected(not_json + "." + crypto::Base64UrlEncode(crypto::HmacSha256(kSecret, not_json)),
                   "segment is not a JSON object");
}

TEST(LooksLikeJwtTest, RecognisesThreeSegmentsStartingEyJ) {
    EXPECT_TRUE(LooksLikeJwt("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"));
    EXPECT_FALSE(LooksLikeJwt("jk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    EXPECT_FALSE(LooksLikeJwt("eyJonlyonesegment"));
}

}  // namespace
}  // namespace junction::service
