#include "junction/service/token_service.hpp"

#include <algorithm>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "junction/core/ids.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/crypto/hash.hpp"
#include "junction/json/bounded_parse.hpp"

namespace junction::service {
namespace {

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kUnauthenticated = "Invalid or missing authentication";

tl::unexpected<Error> Reject(std::string reason) {
    return Fail(
        ErrorCode::kUnauthenticated, std::string(kUnauthenticated), "jwt: " + std::move(reason));
}

std::int64_t ToSeconds(TimePoint time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

Result<boost::json::object> DecodeSegment(std::string_view segment) {
    auto text = crypto::Base64UrlDecode(segment);
    if (!text) {
        return Reject("segment is not base64url");
    }
    auto value =
        json::ParseBounded(*text, json::ParseLimits{.max_depth = 8, .max_array_items = 16});
    if (!value || !value->is_object()) {
        return Reject("segment is not a JSON object");
    }
    return std::move(value->as_object());
}

// A time claim: seconds since the epoch in [0, 2^62), so the checks below cannot overflow
// (iat = INT64_MIN made `iat - skew` overflow; found by tests/fuzz/jwt_fuzz).
std::optional<std::int64_t> IntegerClaim(const boost::json::object& claims, std::string_view name) {
    const auto* value = claims.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_int64()) {
        const std::int64_t seconds = value->as_int64();
        if (seconds < 0 || seconds >= (std::int64_t{1} << 62U)) {
            return std::nullopt;
        }
        return seconds;
    }
    if (value->is_uint64() && value->as_uint64() < (std::uint64_t{1} << 62U)) {
        return static_cast<std::int64_t>(value->as_uint64());
    }
    return std::nullopt;
}

}  // namespace

TokenService::TokenService(SecretString secret, std::string issuer, const Clock& clock)
    : secret_(std::move(secret)), issuer_(std::move(issuer)), clock_(clock) {}

IssuedToken TokenService::Issue(std::string_view user_id,
                                std::chrono::seconds lifetime,
                                std::int64_t epoch) const {
    const TimePoint now = clock_.Now();
    const TimePoint expires_at = now + lifetime;
    boost::json::object claims{{"sub", user_id},
                               {"iss", issuer_},
                               {"iat", ToSeconds(now)},
                               {"exp", ToSeconds(expires_at)}};
    if (epoch > 0) {
        claims["epoch"] = epoch;  // absent means 0: tokens of never-revoked users stay unchanged
    }
    std::string token = crypto::Base64UrlEncode(kHeader) + "." +
                        crypto::Base64UrlEncode(boost::json::serialize(claims));
    const std::string signature = crypto::HmacSha256(secret_.Reveal(), token);
    token += "." + crypto::Base64UrlEncode(signature);
    return IssuedToken{.token = std::move(token),
                       .expires_at = std::chrono::time_point_cast<std::chrono::milliseconds>(
                           std::chrono::floor<std::chrono::seconds>(expires_at))};
}

Result<TokenClaims> TokenService::Verify(std::string_view token) const {
    if (token.size() > 4096 || std::count(token.begin(), token.end(), '.') != 2) {
        return Reject("not three segments");
    }
    const std::size_t first = token.find('.');
    const std::size_t second = token.find('.', first + 1);
    const std::string_view signed_part = token.substr(0, second);
    auto signature = crypto::Base64UrlDecode(token.substr(second + 1));
    if (!signature || !crypto::ConstantTimeEquals(
                          *signature, crypto::HmacSha256(secret_.Reveal(), signed_part))) {
        return Reject("bad signature");
    }
    // The signature is ours, so the header and claims were written by Issue; check them anyway
    // (a leaked secret must not widen what a token can claim).
    auto header = DecodeSegment(token.substr(0, first));
    if (!header) {
        return Fail(std::move(header.error()));
    }
    const auto* alg = header->if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->as_string() != "HS256") {
        return Reject("algorithm is not HS256");
    }
    auto claims = DecodeSegment(token.substr(first + 1, second - first - 1));
    if (!claims) {
        return Fail(std::move(claims.error()));
    }
    const auto* subject = claims->if_contains("sub");
    if (subject == nullptr || !subject->is_string() || !IsObjectId(subject->as_string())) {
        return Reject("sub is not a userId");
    }
    const auto* issuer = claims->if_contains("iss");
    if (issuer == nullptr || !issuer->is_string() || issuer->as_string() != issuer_) {
        return Reject("wrong issuer");
    }
    const auto expires = IntegerClaim(*claims, "exp");
    const auto issued = IntegerClaim(*claims, "iat");
    if (!expires || !issued) {
        return Reject("exp or iat missing");
    }
    const std::int64_t now = ToSeconds(clock_.Now());
    const auto skew = std::chrono::duration_cast<std::chrono::seconds>(kClockSkew).count();
    if (*expires + skew <= now) {
        return Reject("expired");
    }
    if (*issued - skew > now) {
        return Reject("issued in the future");
    }
    if (*expires - *issued >
        std::chrono::duration_cast<std::chrono::seconds>(kMaxLifetime).count()) {
        return Reject("lifetime over 30 days");
    }
    std::optional<std::int64_t> epoch = 0;
    if (claims->contains("epoch")) {
        epoch = IntegerClaim(*claims, "epoch");
    }
    if (!epoch || *epoch < 0) {
        return Reject("epoch is not a non-negative integer");
    }
    return TokenClaims{.subject = std::string(subject->as_string()),
                       .issued_at = FromUnixMillis(*issued * 1000),
                       .expires_at = FromUnixMillis(*expires * 1000),
                       .epoch = *epoch};
}

bool LooksLikeJwt(std::string_view value) {
    return value.starts_with("eyJ") && std::count(value.begin(), value.end(), '.') == 2;
}

}  // namespace junction::service
