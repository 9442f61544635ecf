#include "junction/core/error.hpp"

#include <array>
#include <cstddef>
#include <string_view>

#include <gtest/gtest.h>

#include "junction/core/result.hpp"

namespace junction {
namespace {

struct ExpectedRow {
    ErrorCode code{};
    std::string_view wire_code{};
    int http_status = 0;
    int json_rpc_code = 0;
};

// DESIGN.md §6, transcribed independently of error.cpp so a drifting row is caught.
constexpr std::array kDesignTable{
    ExpectedRow{ErrorCode::kInvalidArgument, "INVALID_REQUEST", 400, -32602},
    ExpectedRow{ErrorCode::kMalformedJson, "INVALID_REQUEST", 400, -32700},
    ExpectedRow{ErrorCode::kUnauthenticated, "UNAUTHORIZED", 401, -32001},
    ExpectedRow{ErrorCode::kPermissionDenied, "FORBIDDEN", 403, -32003},
    ExpectedRow{ErrorCode::kNotFound, "NOT_FOUND", 404, -32004},
    ExpectedRow{ErrorCode::kMethodNotFound, "NOT_FOUND", 404, -32601},
    ExpectedRow{ErrorCode::kCredentialNotFound, "CREDENTIAL_NOT_FOUND", 400, -32602},
    ExpectedRow{ErrorCode::kConnectorNotFound, "CONNECTOR_NOT_FOUND", 404, -32602},
    ExpectedRow{ErrorCode::kActionNotFound, "ACTION_NOT_FOUND", 404, -32602},
    ExpectedRow{ErrorCode::kAlreadyExists, "CONFLICT", 409, -32009},
    ExpectedRow{ErrorCode::kFailedPrecondition, "CONFLICT", 409, -32009},
    ExpectedRow{ErrorCode::kNeedsReauth, "CREDENTIAL_EXPIRED", 400, -32009},
    ExpectedRow{ErrorCode::kMethodNotAllowed, "METHOD_NOT_ALLOWED", 405, -32600},
    ExpectedRow{ErrorCode::kNotAcceptable, "NOT_ACCEPTABLE", 406, -32600},
    ExpectedRow{ErrorCode::kPayloadTooLarge, "PAYLOAD_TOO_LARGE", 413, -32600},
    ExpectedRow{ErrorCode::kUriTooLong, "URI_TOO_LONG", 414, -32600},
    ExpectedRow{ErrorCode::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", 415, -32600},
    ExpectedRow{ErrorCode::kHeadersTooLarge, "HEADERS_TOO_LARGE", 431, -32600},
    ExpectedRow{ErrorCode::kRateLimited, "RATE_LIMITED", 429, -32029},
    ExpectedRow{ErrorCode::kUpstreamError, "UPSTREAM_ERROR", 502, -32002},
    ExpectedRow{ErrorCode::kUpstreamTimeout, "UPSTREAM_TIMEOUT", 504, -32002},
    ExpectedRow{ErrorCode::kUnavailable, "SERVICE_UNAVAILABLE", 503, -32000},
    ExpectedRow{ErrorCode::kInternal, "INTERNAL_ERROR", 500, -32603},
};

TEST(ErrorTableTest, InternalIs500InternalError) {
    const ErrorInfo& info = Describe(ErrorCode::kInternal);

    EXPECT_EQ(info.code, ErrorCode::kInternal);
    EXPECT_EQ(info.wire_code, "INTERNAL_ERROR");
    EXPECT_EQ(info.http_status, 500);
    EXPECT_EQ(info.json_rpc_code, -32603);
}

TEST(ErrorTableTest, MalformedJsonIs400InvalidRequestWithParseErrorCode) {
    const ErrorInfo& info = Describe(ErrorCode::kMalformedJson);

    EXPECT_EQ(info.code, ErrorCode::kMalformedJson);
    EXPECT_EQ(info.wire_code, "INVALID_REQUEST");
    EXPECT_EQ(info.http_status, 400);
    EXPECT_EQ(info.json_rpc_code, -32700);
}

TEST(ErrorTableTest, InvalidArgumentSharesWireCodeButNotJsonRpcCodeWithMalformedJson) {
    const ErrorInfo& invalid = Describe(ErrorCode::kInvalidArgument);

    EXPECT_EQ(invalid.wire_code, "INVALID_REQUEST");
    EXPECT_EQ(invalid.http_status, 400);
    EXPECT_EQ(invalid.json_rpc_code, -32602);
}

TEST(ErrorTableTest, CredentialNotFoundIs400NotA404) {
    const ErrorInfo& info = Describe(ErrorCode::kCredentialNotFound);

    EXPECT_EQ(info.wire_code, "CREDENTIAL_NOT_FOUND");
    EXPECT_EQ(info.http_status, 400);
    EXPECT_EQ(info.json_rpc_code, -32602);
}

TEST(ErrorTableTest, RateLimitedIs429) {
    const ErrorInfo& info = Describe(ErrorCode::kRateLimited);

    EXPECT_EQ(info.wire_code, "RATE_LIMITED");
    EXPECT_EQ(info.http_status, 429);
    EXPECT_EQ(info.json_rpc_code, -32029);
}

TEST(ErrorTableTest, EveryCodeMatchesTheDesignTable) {
    ASSERT_EQ(kDesignTable.size(), static_cast<std::size_t>(ErrorCode::kInternal) + 1);
    for (std::size_t i = 0; i < kDesignTable.size(); ++i) {
        const ExpectedRow& expected = kDesignTable[i];
        ASSERT_EQ(static_cast<std::size_t>(expected.code), i) << "test table out of order";

        const ErrorInfo& info = Describe(expected.code);

        EXPECT_EQ(info.code, expected.code) << "row " << i;
        EXPECT_EQ(info.wire_code, expected.wire_code) << "row " << i;
        EXPECT_EQ(info.http_status, expected.http_status) << "row " << i;
        EXPECT_EQ(info.json_rpc_code, expected.json_rpc_code) << "row " << i;
    }
}

TEST(ErrorTest, DefaultErrorIsInternalAndEmpty) {
    const Error error{};

    EXPECT_EQ(error.code, ErrorCode::kInternal);
    EXPECT_TRUE(error.message.empty());
    EXPECT_TRUE(error.detail.empty());
    EXPECT_TRUE(error.fields.empty());
    EXPECT_TRUE(error.extra.empty());
}

TEST(ErrorTest, FailBuildsTheErrorSide) {
    const Result<int> result = Fail(ErrorCode::kNotFound, "User not found", "id=42");

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(result.error().message, "User not found");
    EXPECT_EQ(result.error().detail, "id=42");
    EXPECT_TRUE(result.error().fields.empty());
}

TEST(ErrorTest, FailFieldBuildsAValidationError) {
    const Result<int> result = FailField("user.name", "is required");

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().message, "Request body is invalid");
    ASSERT_EQ(result.error().fields.size(), 1U);
    EXPECT_EQ(result.error().fields[0].field, "user.name");
    EXPECT_EQ(result.error().fields[0].message, "is required");
}

TEST(ErrorTest, FailFieldTakesACustomMessage) {
    const Result<int> result = FailField("limit", "too big", "Query is invalid");

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().message, "Query is invalid");
}

TEST(ErrorTest, OkIsASuccessfulVoidResult) {
    const Result<void> result = Ok();

    EXPECT_TRUE(result.has_value());
}

}  // namespace
}  // namespace junction
