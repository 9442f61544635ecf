#include "junction/connectors/auth_placement.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace junction::connectors {
namespace {

AuthSpec Auth(std::string type, std::string_view config_json = "{}") {
    return AuthSpec{.type = std::move(type),
                    .fields = {},
                    .config = boost::json::parse(config_json).as_object()};
}

using Revealed = std::vector<std::pair<std::string, std::string>>;

// Placement entries with their secrets revealed, for comparison.
Revealed Reveal(const std::vector<std::pair<std::string, SecretString>>& entries) {
    Revealed revealed;
    for (const auto& [name, value] : entries) {
        revealed.emplace_back(name, std::string(value.Reveal()));
    }
    return revealed;
}

void ExpectMissingField(const Result<std::string>& expanded, std::string_view field) {
    ASSERT_FALSE(expanded.has_value()) << *expanded;
    EXPECT_EQ(expanded.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(expanded.error().message, "Request body is invalid");
    ASSERT_EQ(expanded.error().fields.size(), 1U);
    EXPECT_EQ(expanded.error().fields[0].field, field);
    EXPECT_EQ(expanded.error().fields[0].message, "is required");
}

// ---- ExpandTemplate ----

TEST(ExpandTemplateTest, TextWithoutTemplatesIsUnchanged) {
    const auto expanded = ExpandTemplate("https://api.example.com/v1 {x} }}", {{"x", "y"}});
    ASSERT_TRUE(expanded.has_value());
    EXPECT_EQ(*expanded, "https://api.example.com/v1 {x} }}");
}

TEST(ExpandTemplateTest, ReplacesSeveralTemplates) {
    const boost::json::object data{{"subdomain", "acme"}, {"region", "eu"}, {"unused", "z"}};
    const auto expanded =
        ExpandTemplate("https://{{subdomain}}.{{region}}.example.com/{{subdomain}}", data);
    ASSERT_TRUE(expanded.has_value()) << expanded.error().fields.at(0).field;
    EXPECT_EQ(*expanded, "https://acme.eu.example.com/acme");
}

TEST(ExpandTemplateTest, ValuesAreInsertedVerbatimAndNotReExpanded) {
    const auto expanded = ExpandTemplate("{{a}}-{{b}}", {{"a", "{{b}}"}, {"b", ""}});
    ASSERT_TRUE(expanded.has_value());
    EXPECT_EQ(*expanded, "{{b}}-");
}

TEST(ExpandTemplateTest, MissingFieldIsAnInvalidArgumentNamingIt) {
    ExpectMissingField(ExpandTemplate("https://{{subdomain}}.example.com", {{"other", "x"}}),
                       "data.subdomain");
}

TEST(ExpandTemplateTest, NonStringValueIsTreatedAsMissing) {
    ExpectMissingField(ExpandTemplate("{{port}}", {{"port", 8080}}), "data.port");
    ExpectMissingField(ExpandTemplate("{{flag}}", {{"flag", nullptr}}), "data.flag");
}

TEST(ExpandTemplateTest, UnterminatedOpeningIsLeftAsText) {
    // The catalog loader reads templates the same way: no closing `}}`, no field reference.
    const auto expanded = ExpandTemplate("{{a}}/{{subdomain", {{"a", "x"}});
    ASSERT_TRUE(expanded.has_value());
    EXPECT_EQ(*expanded, "x/{{subdomain");
}

// ---- PlaceKeyCredential: apiKey ----

TEST(PlaceKeyCredentialTest, ApiKeyDefaultsToTheXApiKeyHeader) {
    const auto placement = PlaceKeyCredential(Auth("apiKey"), {{"apiKey", "k-123"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_EQ(Reveal(placement->headers), (Revealed{{"X-Api-Key", "k-123"}}));
    EXPECT_TRUE(placement->query.empty());
    EXPECT_FALSE(placement->basic.has_value());
}

TEST(PlaceKeyCredentialTest, ApiKeyInTheQueryWithAPrefix) {
    const auto placement = PlaceKeyCredential(
        Auth("apiKey", R"({"in": "query", "name": "api_key", "prefix": "key-"})"),
        {{"apiKey", "k-123"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_TRUE(placement->headers.empty());
    EXPECT_EQ(Reveal(placement->query), (Revealed{{"api_key", "key-k-123"}}));
}

TEST(PlaceKeyCredentialTest, ApiKeyHeaderWithPrefixAndCustomName) {
    const auto placement = PlaceKeyCredential(
        Auth("apiKey", R"({"in": "header", "name": "Authorization", "prefix": "Token "})"),
        {{"apiKey", "k-123"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_EQ(Reveal(placement->headers), (Revealed{{"Authorization", "Token k-123"}}));
}

// An upstream may echo the bare secret: redaction gets it without the prefix too.
TEST(PlaceKeyCredentialTest, BareSecretsAreListedForRedaction) {
    const auto key =
        PlaceKeyCredential(Auth("apiKey", R"({"prefix": "Token "})"), {{"apiKey", "k-123"}});
    ASSERT_TRUE(key.has_value());
    ASSERT_EQ(key->values.size(), 1U);
    EXPECT_EQ(key->values[0].Reveal(), "k-123");
    const auto bearer = PlaceKeyCredential(Auth("bearer"), {{"token", "t-456"}});
    ASSERT_TRUE(bearer.has_value());
    EXPECT_EQ(Reveal(bearer->headers), (Revealed{{"Authorization", "Bearer t-456"}}));
    ASSERT_EQ(bearer->values.size(), 1U);
    EXPECT_EQ(bearer->values[0].Reveal(), "t-456");
    const auto access = PlaceAccessToken(Auth("oauth2"), "at-789");
    ASSERT_EQ(access.values.size(), 1U);
    EXPECT_EQ(access.values[0].Reveal(), "at-789");
}

TEST(PlaceKeyCredentialTest, ApiKeyCustomValueTemplate) {
    const auto placement =
        PlaceKeyCredential(Auth("apiKey", R"({"value": "{{apiKey}}:x"})"), {{"apiKey", "k-123"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_EQ(Reveal(placement->headers), (Revealed{{"X-Api-Key", "k-123:x"}}));
}

TEST(PlaceKeyCredentialTest, ApiKeyWithoutTheKeyFails) {
    const auto placement = PlaceKeyCredential(Auth("apiKey"), {{"token", "t"}});
    ASSERT_FALSE(placement.has_value());
    EXPECT_EQ(placement.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(placement.error().fields.size(), 1U);
    EXPECT_EQ(placement.error().fields[0].field, "data.apiKey");
}

// ---- PlaceKeyCredential: basic ----

TEST(PlaceKeyCredentialTest, BasicDefaultsToUsernameAndPassword) {
    const auto placement =
        PlaceKeyCredential(Auth("basic"), {{"username", "alice"}, {"password", "s3cret"}});
    ASSERT_TRUE(placement.has_value());
    ASSERT_TRUE(placement->basic.has_value());
    EXPECT_EQ(placement->basic->first.Reveal(), "alice");
    EXPECT_EQ(placement->basic->second.Reveal(), "s3cret");
    EXPECT_TRUE(placement->headers.empty());
    EXPECT_TRUE(placement->query.empty());
}

TEST(PlaceKeyCredentialTest, BasicWithCustomTemplates) {
    // Freshdesk: the API key is the user name and the password is a fixed "X".
    const auto placement = PlaceKeyCredential(
        Auth("basic", R"({"username": "{{apiKey}}", "password": "X"})"), {{"apiKey", "fd-key"}});
    ASSERT_TRUE(placement.has_value());
    ASSERT_TRUE(placement->basic.has_value());
    EXPECT_EQ(placement->basic->first.Reveal(), "fd-key");
    EXPECT_EQ(placement->basic->second.Reveal(), "X");
}

TEST(PlaceKeyCredentialTest, BasicWithoutAPasswordFails) {
    const auto placement = PlaceKeyCredential(Auth("basic"), {{"username", "alice"}});
    ASSERT_FALSE(placement.has_value());
    EXPECT_EQ(placement.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(placement.error().fields.size(), 1U);
    EXPECT_EQ(placement.error().fields[0].field, "data.password");
}

// ---- PlaceKeyCredential: bearer ----

TEST(PlaceKeyCredentialTest, BearerDefaultsToAuthorizationBearer) {
    const auto placement = PlaceKeyCredential(Auth("bearer"), {{"token", "t-1"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_EQ(Reveal(placement->headers), (Revealed{{"Authorization", "Bearer t-1"}}));
    EXPECT_TRUE(placement->query.empty());
    EXPECT_FALSE(placement->basic.has_value());
}

TEST(PlaceKeyCredentialTest, BearerInjectedIntoTheQuery) {
    const auto placement = PlaceKeyCredential(
        Auth("bearer", R"({"inject": {"in": "query", "name": "access_token", "prefix": ""}})"),
        {{"token", "t-1"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_TRUE(placement->headers.empty());
    EXPECT_EQ(Reveal(placement->query), (Revealed{{"access_token", "t-1"}}));
}

TEST(PlaceKeyCredentialTest, BearerQueryInjectionHasNoPrefixByDefault) {
    const auto placement =
        PlaceKeyCredential(Auth("bearer", R"({"inject": {"in": "query", "name": "access_token"}})"),
                           {{"token", "t-1"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_EQ(Reveal(placement->query), (Revealed{{"access_token", "t-1"}}));
}

TEST(PlaceKeyCredentialTest, BearerWithACustomHeaderName) {
    const auto placement = PlaceKeyCredential(
        Auth("bearer", R"({"inject": {"name": "X-Auth-Token"}})"), {{"token", "t-1"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_EQ(Reveal(placement->headers), (Revealed{{"X-Auth-Token", "Bearer t-1"}}));
}

TEST(PlaceKeyCredentialTest, BearerWithACustomValueTemplateAndPrefix) {
    const auto placement = PlaceKeyCredential(
        Auth("bearer", R"({"value": "{{token}}.{{tenant}}", "inject": {"prefix": "Token "}})"),
        {{"token", "t-1"}, {"tenant", "acme"}});
    ASSERT_TRUE(placement.has_value());
    EXPECT_EQ(Reveal(placement->headers), (Revealed{{"Authorization", "Token t-1.acme"}}));
}

TEST(PlaceKeyCredentialTest, BearerWithoutATokenFails) {
    const auto placement = PlaceKeyCredential(Auth("bearer"), {});
    ASSERT_FALSE(placement.has_value());
    ASSERT_EQ(placement.error().fields.size(), 1U);
    EXPECT_EQ(placement.error().fields[0].field, "data.token");
}

TEST(PlaceKeyCredentialTest, UnsupportedTypeIsInternal) {
    for (const std::string type : {"oauth2", "digest", ""}) {
        const auto placement = PlaceKeyCredential(Auth(type), {{"token", "t-1"}});
        ASSERT_FALSE(placement.has_value()) << type;
        EXPECT_EQ(placement.error().code, ErrorCode::kInternal) << type;
        EXPECT_EQ(placement.error().message, "Internal server error") << type;
        EXPECT_EQ(placement.error().detail, "no key placement for auth type '" + type + "'");
    }
}

// ---- PlaceAccessToken ----

TEST(PlaceAccessTokenTest, DefaultsToAuthorizationBearer) {
    const AuthPlacement placement = PlaceAccessToken(Auth("oauth2"), "at-1");
    EXPECT_EQ(Reveal(placement.headers), (Revealed{{"Authorization", "Bearer at-1"}}));
    EXPECT_TRUE(placement.query.empty());
    EXPECT_FALSE(placement.basic.has_value());
}

TEST(PlaceAccessTokenTest, InjectOverridesTheDefault) {
    const AuthPlacement in_query = PlaceAccessToken(
        Auth("oauth2", R"({"inject": {"in": "query", "name": "auth", "prefix": "p:"}})"), "at-1");
    EXPECT_TRUE(in_query.headers.empty());
    EXPECT_EQ(Reveal(in_query.query), (Revealed{{"auth", "p:at-1"}}));

    const AuthPlacement in_header = PlaceAccessToken(
        Auth("oauth2", R"({"inject": {"in": "header", "name": "X-Token", "prefix": "OAuth "}})"),
        "at-1");
    EXPECT_EQ(Reveal(in_header.headers), (Revealed{{"X-Token", "OAuth at-1"}}));
    EXPECT_TRUE(in_header.query.empty());
}

TEST(PlaceAccessTokenTest, TheTokenIsNotTemplateExpanded) {
    const AuthPlacement placement = PlaceAccessToken(Auth("oauth2"), "{{token}}");
    EXPECT_EQ(Reveal(placement.headers), (Revealed{{"Authorization", "Bearer {{token}}"}}));
}

// ---- FindVerify ----

TEST(FindVerifyTest, AbsentVerifyIsNullopt) {
    EXPECT_FALSE(FindVerify(Auth("apiKey")).has_value());
    EXPECT_FALSE(FindVerify(Auth("apiKey", R"({"verify": "GET /me"})")).has_value());
}

TEST(FindVerifyTest, MethodIsUppercasedAndStatusDefaultsTo200) {
    const auto verify =
        FindVerify(Auth("apiKey", R"({"verify": {"method": "post", "path": "/me"}})"));
    ASSERT_TRUE(verify.has_value());
    EXPECT_EQ(verify->method, "POST");
    EXPECT_EQ(verify->path, "/me");
    EXPECT_EQ(verify->expect_status, std::vector<int>{200});
}

TEST(FindVerifyTest, MethodAndPathDefaults) {
    const auto verify = FindVerify(Auth("bearer", R"({"verify": {}})"));
    ASSERT_TRUE(verify.has_value());
    EXPECT_EQ(verify->method, "GET");
    EXPECT_EQ(verify->path, "/");
    EXPECT_EQ(verify->expect_status, std::vector<int>{200});
}

TEST(FindVerifyTest, ExplicitExpectStatusList) {
    const auto verify = FindVerify(
        Auth("basic",
             R"({"verify": {"method": "Get", "path": "/users/me", "expect_status": [200, 204]}})"));
    ASSERT_TRUE(verify.has_value());
    EXPECT_EQ(verify->method, "GET");
    EXPECT_EQ(verify->path, "/users/me");
    EXPECT_EQ(verify->expect_status, (std::vector<int>{200, 204}));
}

}  // namespace
}  // namespace junction::connectors
