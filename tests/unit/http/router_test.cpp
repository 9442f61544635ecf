#include "junction/http/router.hpp"

#include <string>
#include <string_view>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace junction::http {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

void ExpectNotFound(std::string_view method, std::string_view path) {
    const RouteMatch match = MatchRoute(method, path);

    EXPECT_EQ(match.status, MatchStatus::kNotFound) << method << " " << path;
    EXPECT_EQ(match.route, nullptr) << method << " " << path;
    EXPECT_THAT(match.params, IsEmpty()) << method << " " << path;
    EXPECT_EQ(match.allow, "") << method << " " << path;
}

// --- Not found -----------------------------------------------------------------------------

TEST(MatchRouteTest, UnknownPathIsNotFound) {
    ExpectNotFound("GET", "/nope");
    ExpectNotFound("GET", "/");
    ExpectNotFound("GET", "");
    ExpectNotFound("GET", "/Users");  // paths are case-sensitive
    ExpectNotFound("GET", "/users/abc/extra");
    ExpectNotFound("GET", "/api-keys/abc/extra");
}

TEST(MatchRouteTest, EmptyPathParameterDoesNotMatch) {
    ExpectNotFound("GET", "/users/");
    ExpectNotFound("DELETE", "/users/");
    ExpectNotFound("DELETE", "/api-keys/");
}

TEST(MatchRouteTest, BadlyEncodedPathParameterDoesNotMatch) {
    ExpectNotFound("GET", "/users/%zz");
    ExpectNotFound("GET", "/users/abc%4");
    ExpectNotFound("GET", "/users/%");
}

// --- Method not allowed --------------------------------------------------------------------

TEST(MatchRouteTest, WrongMethodOnCollectionListsAllowedMethods) {
    const RouteMatch match = MatchRoute("DELETE", "/users");

    EXPECT_EQ(match.status, MatchStatus::kMethodNotAllowed);
    EXPECT_EQ(match.route, nullptr);
    EXPECT_EQ(match.allow, "POST, GET");
}

TEST(MatchRouteTest, WrongMethodOnItemListsAllowedMethods) {
    const RouteMatch users = MatchRoute("PATCH", "/users/abc");
    const RouteMatch keys = MatchRoute("GET", "/api-keys/abc");
    const RouteMatch health = MatchRoute("POST", "/healthz");

    EXPECT_EQ(users.status, MatchStatus::kMethodNotAllowed);
    EXPECT_EQ(users.allow, "GET, PUT, DELETE");
    EXPECT_EQ(keys.status, MatchStatus::kMethodNotAllowed);
    EXPECT_EQ(keys.allow, "DELETE");
    EXPECT_EQ(health.status, MatchStatus::kMethodNotAllowed);
    EXPECT_EQ(health.allow, "GET");
}

TEST(MatchRouteTest, MethodsAreCaseSensitive) {
    const RouteMatch match = MatchRoute("get", "/users");

    EXPECT_EQ(match.status, MatchStatus::kMethodNotAllowed);
    EXPECT_EQ(match.allow, "POST, GET");
}

// --- Found ---------------------------------------------------------------------------------

TEST(MatchRouteTest, FindsStaticRoutes) {
    const RouteMatch match = MatchRoute("POST", "/users");

    ASSERT_EQ(match.status, MatchStatus::kFound);
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->method, "POST");
    EXPECT_EQ(match.route->pattern, "/users");
    EXPECT_EQ(match.route->body, BodyKind::kJson);
    EXPECT_THAT(match.params, IsEmpty());
    EXPECT_EQ(match.allow, "");
}

TEST(MatchRouteTest, ExtractsPathParameters) {
    const RouteMatch match = MatchRoute("GET", "/users/68b56ea00102030405060708");

    ASSERT_EQ(match.status, MatchStatus::kFound);
    EXPECT_EQ(match.route->pattern, "/users/{userId}");
    EXPECT_THAT(match.params, ElementsAre(Pair("userId", "68b56ea00102030405060708")));
}

TEST(MatchRouteTest, PercentDecodesPathParametersButNotPlus) {
    const RouteMatch match = MatchRoute("DELETE", "/users/a%20b%2Fc+d%41");

    ASSERT_EQ(match.status, MatchStatus::kFound);
    EXPECT_EQ(match.route->pattern, "/users/{userId}");
    EXPECT_THAT(match.params, ElementsAre(Pair("userId", "a b/c+dA")));
}

TEST(MatchRouteTest, PublicRoutesNeedNoAuth) {
    for (const std::string_view path : {"/healthz", "/readyz", "/openapi.json"}) {
        const RouteMatch match = MatchRoute("GET", path);

        ASSERT_EQ(match.status, MatchStatus::kFound) << path;
        EXPECT_EQ(match.route->auth, AuthKind::kNone) << path;
        EXPECT_FALSE(match.route->rate_limited) << path;
    }
}

TEST(MatchRouteTest, UserRoutesAreVersionedAndNeedAnApiKey) {
    const RouteMatch match = MatchRoute("PUT", "/users/u1");

    ASSERT_EQ(match.status, MatchStatus::kFound);
    EXPECT_EQ(match.route->auth, AuthKind::kApiKey);
    EXPECT_TRUE(match.route->versioned);
    EXPECT_TRUE(match.route->rate_limited);
    EXPECT_NE(match.route->handler, nullptr);
}

TEST(MatchRouteTest, EveryRouteInTheTableMatchesItself) {
    for (const Route& route : AllRoutes()) {
        std::string path;
        std::size_t params = 0;
        std::string_view rest = route.pattern;
        while (!rest.empty()) {
            const std::size_t open = rest.find('{');
            if (open == std::string_view::npos) {
                path += rest;
                break;
            }
            path += rest.substr(0, open);
            path += "x" + std::to_string(params++);
            rest.remove_prefix(rest.find('}', open) + 1);
        }

        const RouteMatch match = MatchRoute(route.method, path);

        ASSERT_EQ(match.status, MatchStatus::kFound) << route.method << " " << path;
        EXPECT_EQ(match.route, &route) << route.method << " " << path;
        EXPECT_EQ(match.params.size(), params) << route.method << " " << path;
        EXPECT_NE(route.handler, nullptr) << route.method << " " << route.pattern;
    }
}

}  // namespace
}  // namespace junction::http
