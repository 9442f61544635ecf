#include "junction/http/responses.hpp"

#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "junction/storage/storage_full.hpp"

namespace junction::http {
namespace {

using ::testing::Contains;
using ::testing::Pair;

boost::json::value Body(const HttpResponse& response) {
    return boost::json::parse(response.body);
}

// A write refused for lack of space is 503 with a Retry-After, never a 500.
TEST(ToHttpResponseTest, StorageFullIsUnavailableWithRetryAfter) {
    const HttpResponse response =
        ToHttpResponse(storage::StorageFullError("sqlite: database or disk is full"), "req-1");

    EXPECT_EQ(response.status, 503);
    EXPECT_THAT(response.headers, Contains(Pair("Retry-After", "30")));
    EXPECT_EQ(Body(response),
              boost::json::parse(R"({"error":{"code":"SERVICE_UNAVAILABLE",)"
                                 R"("message":"Storage is full; retry later",)"
                                 R"("details":{"reason":"storage_full"}}})"));
}

TEST(ToHttpResponseTest, NotFoundHasNoDetails) {
    const Error error{.code = ErrorCode::kNotFound, .message = "User not found"};

    const HttpResponse response = ToHttpResponse(error, "req-1");

    EXPECT_EQ(response.status, 404);
    EXPECT_THAT(response.headers, Contains(Pair("content-type", "application/json")));
    EXPECT_EQ(Body(response),
              boost::json::parse(R"({"error":{"code":"NOT_FOUND","message":"User not found"}})"));
}

TEST(ToHttpResponseTest, FieldErrorsGoUnderDetailsErrors) {
    Error error{.code = ErrorCode::kInvalidArgument, .message = "Request body is invalid"};
    error.fields.push_back({.field = "username", .message = "is required"});
    error.fields.push_back({.field = "user.name", .message = "must be a string"});

    const HttpResponse response = ToHttpResponse(error, "req-2");

    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(Body(response), boost::json::parse(R"({"error":{
        "code":"INVALID_REQUEST",
        "message":"Request body is invalid",
        "details":{"errors":[
            {"field":"username","message":"is required"},
            {"field":"user.name","message":"must be a string"}]}}})"));
}

TEST(ToHttpResponseTest, InternalErrorCarriesTheRequestIdButNotTheDetail) {
    const Error error{.code = ErrorCode::kInternal,
                      .message = "Internal error",
                      .detail = "sqlite: disk I/O error at /var/lib/junction"};

    const HttpResponse response = ToHttpResponse(error, "01K42BG8800000000000000000");

    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(Body(response), boost::json::parse(R"({"error":{
        "code":"INTERNAL_ERROR",
        "message":"Internal error",
        "details":{"requestId":"01K42BG8800000000000000000"}}})"));
    EXPECT_EQ(response.body.find("sqlite"), std::string::npos);
}

TEST(ToHttpResponseTest, OnlyInternalErrorsCarryTheRequestId) {
    const Error error{.code = ErrorCode::kUnavailable, .message = "Database unavailable"};

    const HttpResponse response = ToHttpResponse(error, "req-3");

    EXPECT_EQ(response.status, 503);
    EXPECT_EQ(response.body.find("req-3"), std::string::npos);
    EXPECT_FALSE(Body(response).as_object().at("error").as_object().contains("details"));
}

TEST(ToHttpResponseTest, ExtraIsMergedIntoDetails) {
    Error error{.code = ErrorCode::kRateLimited, .message = "Rate limit exceeded"};
    error.extra = {{"limit", 1000}, {"windowSeconds", 60}, {"retryAfterSeconds", 7}};

    const HttpResponse response = ToHttpResponse(error, "req-4");

    EXPECT_EQ(response.status, 429);
    EXPECT_EQ(Body(response), boost::json::parse(R"({"error":{
        "code":"RATE_LIMITED",
        "message":"Rate limit exceeded",
        "details":{"limit":1000,"windowSeconds":60,"retryAfterSeconds":7}}})"));
}

TEST(ToHttpResponseTest, ExtraAndFieldErrorsCombine) {
    Error error{.code = ErrorCode::kInternal, .message = "Internal error"};
    error.extra = {{"hint", "x"}};
    error.fields.push_back({.field = "a", .message = "b"});

    const HttpResponse response = ToHttpResponse(error, "req-5");

    const boost::json::value body = Body(response);
    EXPECT_EQ(body.as_object().at("error").as_object().at("details"),
              boost::json::parse(R"({"hint":"x",
        "errors":[{"field":"a","message":"b"}],"requestId":"req-5"})"));
}

TEST(ToHttpResponseTest, EmptyMessageFallsBackToTheWireCode) {
    const Error error{.code = ErrorCode::kPermissionDenied};

    const HttpResponse response = ToHttpResponse(error, "req-6");

    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(Body(response),
              boost::json::parse(R"({"error":{"code":"FORBIDDEN","message":"FORBIDDEN"}})"));
}

TEST(ToHttpResponseTest, MessagesAreJsonEscaped) {
    const Error error{.code = ErrorCode::kAlreadyExists,
                      .message = "Username 'a\"b\\c' already exists \xC3\xA9\n"};

    const HttpResponse response = ToHttpResponse(error, "req-7");

    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(Body(response).as_object().at("error").as_object().at("message").as_string(),
              "Username 'a\"b\\c' already exists \xC3\xA9\n");
}

TEST(ToHttpResponseTest, StatusAndCodeFollowTheErrorTable) {
    for (int raw = 0; raw <= static_cast<int>(ErrorCode::kInternal); ++raw) {
        const auto code = static_cast<ErrorCode>(raw);
        const ErrorInfo& info = Describe(code);

        const HttpResponse response = ToHttpResponse(Error{.code = code, .message = "m"}, "r");

        EXPECT_EQ(response.status, info.http_status) << info.wire_code;
        EXPECT_EQ(Body(response).as_object().at("error").as_object().at("code").as_string(),
                  info.wire_code);
    }
}

TEST(JsonResponseTest, SerializesTheBodyWithJsonContentType) {
    const HttpResponse response = JsonResponse(200, boost::json::parse(R"({"userId":"u1"})"));

    EXPECT_EQ(response.status, 200);
    EXPECT_THAT(response.headers, Contains(Pair("content-type", "application/json")));
    EXPECT_EQ(response.body, R"({"userId":"u1"})");
}

}  // namespace
}  // namespace junction::http
