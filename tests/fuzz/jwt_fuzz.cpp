// JWT verification (service::TokenService::Verify): every `Authorization: Bearer eyJ…` and
// x-alloy-user-token reaches it.
//
// Input: a token as sent (anything not starting with '{'), or, when it starts with '{', a JWT
// header and claims as JSON text separated by the first newline, which this target signs with
// the service's secret so the fuzzer gets past the signature to the claim checks (what a leaked
// secret would expose).
//
// Invariants: a token that verifies names a userId, is not expired (60 s skew), was not issued
// in the future and lives at most 30 days; a raw token that verifies carries our signature; a
// token Issue()s for the same user verifies to that user.

#include <chrono>

#include "fuzz_support.hpp"
#include "junction/core/clock.hpp"
#include "junction/core/ids.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/crypto/hash.hpp"
#include "junction/service/token_service.hpp"

namespace {

using junction::fuzz::Check;

constexpr std::string_view kSecret = "fuzz-secret-fuzz-secret-fuzz-secret!";
constexpr std::int64_t kNowSeconds = 1'750'000'000;  // 2025-06-15

class FixedClock final : public junction::Clock {
public:
    [[nodiscard]] junction::TimePoint Now() const override {
        return junction::FromUnixMillis(kNowSeconds * 1000);
    }
};

std::int64_t Seconds(junction::TimePoint time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const FixedClock clock;
    static const junction::service::TokenService tokens(
        junction::SecretString(std::string(kSecret)), "junction", clock);
    const std::string_view input = junction::fuzz::AsText(data, size);

    std::string token(input);
    const bool signed_here = input.starts_with('{');
    if (signed_here) {
        const std::size_t newline = input.find('\n');
        const std::string_view header = input.substr(0, newline);
        const std::string_view claims =
            newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
        token = junction::crypto::Base64UrlEncode(header) + "." +
                junction::crypto::Base64UrlEncode(claims);
        token +=
            "." + junction::crypto::Base64UrlEncode(junction::crypto::HmacSha256(kSecret, token));
    }
    const auto verified = tokens.Verify(token);
    if (!verified) {
        Check(verified.error().code == junction::ErrorCode::kUnauthenticated,
              "Verify fails only with kUnauthenticated");
        return 0;
    }
    Check(junction::IsObjectId(verified->subject), "verified subject is not a userId");
    const std::int64_t issued = Seconds(verified->issued_at);
    const std::int64_t expires = Seconds(verified->expires_at);
    Check(expires + 60 > kNowSeconds, "verified token is expired");
    Check(issued - 60 <= kNowSeconds, "verified token was issued in the future");
    Check(expires - issued <= 30LL * 24 * 3600, "verified token lives over 30 days");
    if (!signed_here) {
        const std::size_t last_dot = token.rfind('.');
        const auto signature = junction::crypto::Base64UrlDecode(token.substr(last_dot + 1));
        Check(signature &&
                  *signature == junction::crypto::HmacSha256(kSecret, token.substr(0, last_dot)),
              "a token verified without our signature");
    }
    const auto issued_again =
        tokens.Issue(verified->subject, std::chrono::hours(1), verified->epoch);
    const auto again = tokens.Verify(issued_again.token);
    Check(again && again->subject == verified->subject && again->epoch == verified->epoch,
          "an issued token does not verify");
    return 0;
}
