#include "junction/service/oauth_protocol.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace junction::service::oauth {
namespace {

// A token value planted in provider answers; no public text may ever show it.
constexpr std::string_view kPlanted = "ya29.PLANTED-secret-token-0123456789";

connectors::AuthSpec OAuth2(std::string_view config_json) {
    return connectors::AuthSpec{
        .type = "oauth2", .fields = {}, .config = boost::json::parse(config_json).as_object()};
}

// The error of a failed parse; fails the test (and returns a default Error) on success.
Error ParseFailure(int status, std::string_view body, const OAuth2Settings& settings = {}) {
    auto parsed = ParseTokenResponse(status, body, settings);
    EXPECT_FALSE(parsed.has_value()) << "unexpectedly parsed: " << body;
    return parsed.has_value() ? Error{} : std::move(parsed.error());
}

std::string OAuthErrorOf(const Error& error) {
    const auto* code = error.extra.if_contains("oauthError");
    return code != nullptr && code->is_string() ? std::string(code->as_string()) : "<missing>";
}

// ---- PercentEncode, FormEncode, AppendQuery ----

TEST(PercentEncodeTest, UnreservedCharactersStayAsTheyAre) {
    constexpr std::string_view kUnreserved =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    EXPECT_EQ(PercentEncode(kUnreserved), kUnreserved);
    EXPECT_EQ(PercentEncode(""), "");
}

TEST(PercentEncodeTest, SpaceBecomesPercent20NotPlus) {
    EXPECT_EQ(PercentEncode("a b"), "a%20b");
}

TEST(PercentEncodeTest, Utf8IsEncodedByteByByteInUppercaseHex) {
    EXPECT_EQ(PercentEncode("é"), "%C3%A9");
    EXPECT_EQ(PercentEncode("日"), "%E6%97%A5");
    EXPECT_EQ(PercentEncode(std::string_view("\x00\xff", 2)), "%00%FF");
}

TEST(PercentEncodeTest, ReservedCharactersAreEncoded) {
    EXPECT_EQ(PercentEncode("&=+/?#"), "%26%3D%2B%2F%3F%23");
    EXPECT_EQ(PercentEncode(":@%,;"), "%3A%40%25%2C%3B");
}

TEST(FormEncodeTest, KeepsOrderAndEncodesBothSides) {
    const QueryParams params{{"b key", "1&2"}, {"a", "x=y"}, {"redirect_uri", "https://a/cb?x=1"}};
    EXPECT_EQ(FormEncode(params),
              "b%20key=1%262&a=x%3Dy&redirect_uri=https%3A%2F%2Fa%2Fcb%3Fx%3D1");
}

TEST(FormEncodeTest, EmptyParamsAndEmptyValues) {
    EXPECT_EQ(FormEncode({}), "");
    EXPECT_EQ(FormEncode({{"a", ""}, {"b", "2"}}), "a=&b=2");
}

TEST(AppendQueryTest, UrlWithoutQueryGetsOne) {
    EXPECT_EQ(AppendQuery("https://p.example/authorize", {{"state", "s 1"}, {"x", "y"}}),
              "https://p.example/authorize?state=s%201&x=y");
}

TEST(AppendQueryTest, ExistingQueryIsKept) {
    EXPECT_EQ(AppendQuery("https://p.example/authorize?prompt=consent", {{"state", "s"}}),
              "https://p.example/authorize?prompt=consent&state=s");
}

TEST(AppendQueryTest, TrailingQuestionMarkOrAmpersandIsNotDoubled) {
    EXPECT_EQ(AppendQuery("https://p.example/a?", {{"state", "s"}}), "https://p.example/a?state=s");
    EXPECT_EQ(AppendQuery("https://p.example/a?x=1&", {{"state", "s"}}),
              "https://p.example/a?x=1&state=s");
}

TEST(AppendQueryTest, FragmentStaysAfterTheQuery) {
    EXPECT_EQ(AppendQuery("https://p.example/a#frag", {{"state", "s"}}),
              "https://p.example/a?state=s#frag");
    EXPECT_EQ(AppendQuery("https://p.example/a?x=1#frag?not=query", {{"state", "s"}}),
              "https://p.example/a?x=1&state=s#frag?not=query");
}

TEST(AppendQueryTest, EmptyParamsLeaveTheUrlUnchanged) {
    EXPECT_EQ(AppendQuery("https://p.example/a", {}), "https://p.example/a");
    EXPECT_EQ(AppendQuery("https://p.example/a?x=1#frag", {}), "https://p.example/a?x=1#frag");
}

// ---- ReadSettings ----

TEST(ReadSettingsTest, AppliesTheDefaults) {
    const OAuth2Settings settings = ReadSettings(OAuth2(R"({})"));
    EXPECT_EQ(settings.authorization_url, "");
    EXPECT_EQ(settings.token_url, "");
    EXPECT_TRUE(settings.scopes.empty());
    EXPECT_EQ(settings.scope_separator, " ");
    EXPECT_TRUE(settings.pkce);
    EXPECT_FALSE(settings.client_secret_basic);
    EXPECT_TRUE(settings.extra_authorize_params.empty());
    EXPECT_TRUE(settings.extra_token_params.empty());
    EXPECT_EQ(settings.access_token_path, "access_token");
    EXPECT_TRUE(settings.store_token_fields.empty());
}

TEST(ReadSettingsTest, ReadsEveryKey) {
    const OAuth2Settings settings = ReadSettings(OAuth2(R"({
        "authorization_url": "https://slack.com/oauth/v2/authorize",
        "token_url": "https://slack.com/api/oauth.v2.access",
        "scopes": ["chat:write", "channels:read"],
        "scope_separator": ",",
        "pkce": false,
        "token_auth_method": "client_secret_basic",
        "extra_authorize_params": {"user_scope": "search:read", "prompt": "consent"},
        "extra_token_params": {"audience": "api"},
        "access_token_path": "authed_user.access_token",
        "store_token_fields": ["team.id", "bot_user_id"]
    })"));
    EXPECT_EQ(settings.authorization_url, "https://slack.com/oauth/v2/authorize");
    EXPECT_EQ(settings.token_url, "https://slack.com/api/oauth.v2.access");
    EXPECT_EQ(settings.scopes, (std::vector<std::string>{"chat:write", "channels:read"}));
    EXPECT_EQ(settings.scope_separator, ",");
    EXPECT_FALSE(settings.pkce);
    EXPECT_TRUE(settings.client_secret_basic);
    EXPECT_EQ(settings.extra_authorize_params,
              (QueryParams{{"user_scope", "search:read"}, {"prompt", "consent"}}));
    EXPECT_EQ(settings.extra_token_params, (QueryParams{{"audience", "api"}}));
    EXPECT_EQ(settings.access_token_path, "authed_user.access_token");
    EXPECT_EQ(settings.store_token_fields, (std::vector<std::string>{"team.id", "bot_user_id"}));
}

TEST(ReadSettingsTest, ExplicitClientSecretPostAndPkceTrue) {
    const OAuth2Settings settings =
        ReadSettings(OAuth2(R"({"token_auth_method": "client_secret_post", "pkce": true})"));
    EXPECT_FALSE(settings.client_secret_basic);
    EXPECT_TRUE(settings.pkce);
}

// ---- ParseTokenResponse: success ----

TEST(ParseTokenResponseTest, ReadsAnRfc6749Answer) {
    const auto grant = ParseTokenResponse(200,
                                          R"({"access_token": "at-1", "token_type": "bearer",
                                              "expires_in": 3600, "refresh_token": "rt-1",
                                              "scope": "read write"})",
                                          {});
    ASSERT_TRUE(grant.has_value()) << grant.error().detail;
    EXPECT_EQ(grant->access_token.Reveal(), "at-1");
    ASSERT_TRUE(grant->refresh_token.has_value());
    EXPECT_EQ(grant->refresh_token->Reveal(), "rt-1");
    EXPECT_EQ(grant->expires_in_seconds, 3600);
    EXPECT_EQ(grant->token_type, "bearer");
    EXPECT_EQ(grant->scope, "read write");
    EXPECT_TRUE(grant->stored_fields.empty());
}

TEST(ParseTokenResponseTest, MinimalAnswerHasNoRefreshTokenNoExpiryAndBearerType) {
    const auto grant = ParseTokenResponse(200, R"({"access_token": "at-1"})", {});
    ASSERT_TRUE(grant.has_value()) << grant.error().detail;
    EXPECT_EQ(grant->access_token.Reveal(), "at-1");
    EXPECT_FALSE(grant->refresh_token.has_value());
    EXPECT_FALSE(grant->expires_in_seconds.has_value());
    EXPECT_EQ(grant->token_type, "Bearer");
    EXPECT_EQ(grant->scope, "");
}

TEST(ParseTokenResponseTest, ExpiresInMaySendAsAString) {
    const auto grant =
        ParseTokenResponse(200, R"({"access_token": "at-1", "expires_in": "7200"})", {});
    ASSERT_TRUE(grant.has_value()) << grant.error().detail;
    EXPECT_EQ(grant->expires_in_seconds, 7200);
}

// The answer's expires_in, as ParseTokenResponse reads it from `expires_json`.
std::optional<std::int64_t> ExpiresInOf(std::string_view expires_json) {
    const std::string body =
        R"({"access_token": "at-1", "expires_in": )" + std::string(expires_json) + "}";
    const auto grant = ParseTokenResponse(200, body, {});
    EXPECT_TRUE(grant.has_value()) << body;
    return grant.has_value() ? grant->expires_in_seconds : std::nullopt;
}

TEST(ParseTokenResponseTest, UnusableExpiresInIsIgnored) {
    // Not a positive number of seconds: the expiry would be in the past, so treat it as absent
    // (as the integer form already was; the string form used to slip through).
    for (const std::string_view expires : {R"(0)",
                                           R"(-60)",
                                           R"("0")",
                                           R"("-60")",
                                           R"("soon")",
                                           R"("3600abc")",
                                           R"("")",
                                           R"("-99999999999999999999")",
                                           R"(3600.5)",
                                           R"(null)",
                                           R"(true)"}) {
        const auto seconds = ExpiresInOf(expires);
        EXPECT_FALSE(seconds.has_value()) << expires << " gave " << seconds.value_or(0);
    }
}

TEST(ParseTokenResponseTest, HugeExpiresInIsCappedSoTheExpiryCannotOverflow) {
    // Callers add it to a milliseconds clock; 18446744073709551615 used to come back as -1 and
    // INT64_MAX seconds overflowed the addition. Capped at ten years.
    constexpr std::int64_t kTenYears = std::int64_t{10} * 365 * 24 * 3600;
    for (const std::string_view expires : {R"(9223372036854775807)",
                                           R"("9223372036854775807")",
                                           R"(18446744073709551615)",
                                           R"("99999999999999999999")",
                                           R"(315360001)"}) {
        EXPECT_EQ(ExpiresInOf(expires), kTenYears) << expires;
    }
    EXPECT_EQ(ExpiresInOf(R"(315360000)"), kTenYears);
    EXPECT_EQ(ExpiresInOf(R"("31536000")"), 31'536'000);
}

TEST(ParseTokenResponseTest, ReadsTheAccessTokenAtANestedPath) {
    OAuth2Settings settings;
    settings.access_token_path = "authed_user.access_token";
    const auto grant = ParseTokenResponse(
        200,
        R"({"ok": true, "access_token": "xoxb-bot", "authed_user": {"access_token": "xoxp-user"}})",
        settings);
    ASSERT_TRUE(grant.has_value()) << grant.error().detail;
    EXPECT_EQ(grant->access_token.Reveal(), "xoxp-user");
}

TEST(ParseTokenResponseTest, NestedPathMissingIsAnInvalidResponse) {
    OAuth2Settings settings;
    settings.access_token_path = "authed_user.access_token";
    const Error error = ParseFailure(
        200, R"({"ok": true, "access_token": "xoxb-bot", "authed_user": "x"})", settings);
    EXPECT_EQ(error.code, ErrorCode::kUpstreamError);
    EXPECT_EQ(OAuthErrorOf(error), "invalid_response");
}

TEST(ParseTokenResponseTest, StoresTheConfiguredFieldsAndSkipsObjects) {
    OAuth2Settings settings;
    settings.store_token_fields = {
        "team.id", "bot_user_id", "team", "missing", "team.nope", "enterprise", "count"};
    const auto grant = ParseTokenResponse(200,
                                          R"({"access_token": "at-1",
                                              "team": {"id": "T123", "name": "Acme"},
                                              "bot_user_id": "U999", "enterprise": null,
                                              "count": 3})",
                                          settings);
    ASSERT_TRUE(grant.has_value()) << grant.error().detail;
    const boost::json::object expected{
        {"team.id", "T123"}, {"bot_user_id", "U999"}, {"enterprise", nullptr}, {"count", 3}};
    EXPECT_EQ(grant->stored_fields, expected);
}

// ---- ParseTokenResponse: failures ----

TEST(ParseTokenResponseTest, InvalidGrantCarriesTheProvidersErrorCode) {
    const Error error = ParseFailure(
        400, R"({"error": "invalid_grant", "error_description": "Bad refresh token"})");
    EXPECT_EQ(error.code, ErrorCode::kUpstreamError);
    EXPECT_EQ(OAuthErrorOf(error), "invalid_grant");
    EXPECT_EQ(error.message, "The provider's token endpoint refused the request (invalid_grant)");
    EXPECT_EQ(error.detail, "token endpoint answered HTTP 400");
}

TEST(ParseTokenResponseTest, ErrorFieldWinsEvenWithHttp200) {
    const Error error = ParseFailure(200, R"({"error": "invalid_client"})");
    EXPECT_EQ(error.code, ErrorCode::kUpstreamError);
    EXPECT_EQ(OAuthErrorOf(error), "invalid_client");
}

TEST(ParseTokenResponseTest, SlackStyleOkFalseIsAnError) {
    const Error error = ParseFailure(200, R"({"ok": false, "error": "invalid_code"})");
    EXPECT_EQ(error.code, ErrorCode::kUpstreamError);
    EXPECT_EQ(OAuthErrorOf(error), "invalid_code");

    // `ok: false` alone fails the answer, even when it carries a token.
    const Error bare = ParseFailure(200, R"({"ok": false, "access_token": "xoxb-1"})");
    EXPECT_EQ(bare.code, ErrorCode::kUpstreamError);
}

TEST(ParseTokenResponseTest, Non2xxJsonWithoutErrorCodeIsAnHttpError) {
    const Error error = ParseFailure(503, R"({"access_token": "at-1"})");
    EXPECT_EQ(error.code, ErrorCode::kUpstreamError);
    EXPECT_EQ(OAuthErrorOf(error), "http_error");
}

TEST(ParseTokenResponseTest, NonJsonBodyIsAnInvalidResponseOrAnHttpError) {
    for (const std::string_view body : {"<html>oops</html>", "", "[1, 2]", R"("access_token")"}) {
        const Error ok_status = ParseFailure(200, body);
        EXPECT_EQ(ok_status.code, ErrorCode::kUpstreamError) << body;
        EXPECT_EQ(OAuthErrorOf(ok_status), "invalid_response") << body;

        const Error bad_status = ParseFailure(502, body);
        EXPECT_EQ(bad_status.code, ErrorCode::kUpstreamError) << body;
        EXPECT_EQ(OAuthErrorOf(bad_status), "http_error") << body;
        EXPECT_EQ(bad_status.detail, "token endpoint answered HTTP 502 without a JSON object");
    }
}

TEST(ParseTokenResponseTest, Http200WithoutAnAccessTokenIsAnInvalidResponse) {
    for (const std::string_view body : {R"({"token_type": "bearer", "refresh_token": "rt-1"})",
                                        R"({"access_token": ""})",
                                        R"({"access_token": 42})"}) {
        const Error error = ParseFailure(200, body);
        EXPECT_EQ(error.code, ErrorCode::kUpstreamError) << body;
        EXPECT_EQ(OAuthErrorOf(error), "invalid_response") << body;
        EXPECT_EQ(error.detail, "token answer has no string at 'access_token'") << body;
    }
}

TEST(ParseTokenResponseTest, FailuresNeverRepeatTheAnswersSecrets) {
    const std::string planted(kPlanted);
    OAuth2Settings settings;
    settings.access_token_path = "authed_user.access_token";
    struct Answer {
        int status;
        std::string body;
    };
    const std::string tokens = R"("access_token": ")" + planted + R"(", "refresh_token": ")" +
                               planted + R"(", "id_token": ")" + planted + R"(")";
    const std::vector<Answer> answers{
        {400,
         R"({"error": "invalid_grant", "error_description": ")" + planted + R"(", )" + tokens +
             "}"},
        {200, R"({"ok": false, "error": "invalid_code", )" + tokens + "}"},
        {500, "{" + tokens + "}"},
        {200, "{" + tokens + "}"},  // no access token at authed_user.access_token
        {200, "access_token=" + planted + "&token_type=bearer"},  // form-encoded, not JSON
        {401, "access_token=" + planted},
    };
    for (const auto& [status, body] : answers) {
        const Error error = ParseFailure(status, body, settings);
        EXPECT_EQ(error.code, ErrorCode::kUpstreamError) << body;
        EXPECT_EQ(error.message.find(kPlanted), std::string::npos) << error.message;
        EXPECT_EQ(error.detail.find(kPlanted), std::string::npos) << error.detail;
    }
}

// ---- PkceChallenge ----

TEST(PkceChallengeTest, MatchesRfc7636AppendixB) {
    EXPECT_EQ(PkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

}  // namespace
}  // namespace junction::service::oauth
