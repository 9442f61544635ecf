#include "junction/mcp/jsonrpc.hpp"

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace junction::mcp {
namespace {

using ::testing::HasSubstr;

constexpr std::size_t kDepth = 64;
constexpr std::size_t kItems = 1000;

std::optional<RpcFailure> Parse(std::string_view body, RpcMessage& out) {
    return ParseMessage(body, kDepth, kItems, out);
}

// Asserts a failure with `code`, `id` (JSON text) and a message containing `message`.
void ExpectFailure(std::string_view body,
                   RpcCode code,
                   std::string_view id,
                   std::string_view message) {
    RpcMessage out;
    const auto failure = Parse(body, out);
    ASSERT_TRUE(failure.has_value()) << body;
    EXPECT_EQ(failure->http_status, 400) << body;
    EXPECT_EQ(failure->body.at("jsonrpc"), "2.0");
    EXPECT_EQ(failure->body.at("id"), boost::json::parse(id)) << body;
    const auto& error = failure->body.at("error").as_object();
    EXPECT_EQ(error.at("code"), static_cast<int>(code)) << body;
    EXPECT_THAT(std::string(error.at("message").as_string()), HasSubstr(std::string(message)))
        << body;
    EXPECT_FALSE(error.contains("data"));
}

TEST(JsonRpcParseTest, UnparseableJsonIsParseErrorWithNullId) {
    ExpectFailure("{", RpcCode::kParseError, "null", "Parse error");
    ExpectFailure("", RpcCode::kParseError, "null", "Parse error");
    ExpectFailure(R"({"jsonrpc":"2.0","id":1,"method":"ping",})",
                  RpcCode::kParseError,
                  "null",
                  "Parse error");
}

TEST(JsonRpcParseTest, InputBeyondTheParseLimitsIsParseError) {
    RpcMessage out;
    const auto deep = ParseMessage(
        R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":[[1]]}})", 3, kItems, out);
    ASSERT_TRUE(deep.has_value());
    EXPECT_EQ(deep->body.at("error").at("code"), -32700);
    EXPECT_EQ(deep->body.at("id"), nullptr);
    const auto long_array = ParseMessage(
        R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":[1,2,3]}})", kDepth, 2, out);
    ASSERT_TRUE(long_array.has_value());
    EXPECT_EQ(long_array->body.at("error").at("code"), -32700);
}

TEST(JsonRpcParseTest, BatchIsRejected) {
    ExpectFailure(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])",
                  RpcCode::kInvalidRequest,
                  "null",
                  "Batch requests are not supported");
    ExpectFailure("[]", RpcCode::kInvalidRequest, "null", "Batch requests are not supported");
}

TEST(JsonRpcParseTest, NonObjectIsInvalidRequest) {
    ExpectFailure("42", RpcCode::kInvalidRequest, "null", "not an object");
    ExpectFailure(R"("ping")", RpcCode::kInvalidRequest, "null", "not an object");
    ExpectFailure("null", RpcCode::kInvalidRequest, "null", "not an object");
}

TEST(JsonRpcParseTest, MissingOrWrongJsonrpcAnswersWithNullId) {
    ExpectFailure(R"({"id":7,"method":"ping"})", RpcCode::kInvalidRequest, "null", "jsonrpc");
    ExpectFailure(R"({"jsonrpc":"1.0","id":"a","method":"ping"})",
                  RpcCode::kInvalidRequest,
                  "null",
                  "jsonrpc");
    ExpectFailure(
        R"({"jsonrpc":2.0,"id":7,"method":"ping"})", RpcCode::kInvalidRequest, "null", "jsonrpc");
    ExpectFailure(
        R"({"jsonrpc":"2.0 ","method":"ping"})", RpcCode::kInvalidRequest, "null", "jsonrpc");
}

TEST(JsonRpcParseTest, BadIdTypesAreInvalidRequestWithNullId) {
    for (const std::string_view id : {"null", "1.5", "1e3", R"({"a":1})", "[1]", "true"}) {
        const std::string body =
            R"({"jsonrpc":"2.0","id":)" + std::string(id) + R"(,"method":"ping"})";
        ExpectFailure(body, RpcCode::kInvalidRequest, "null", "bad id");
    }
}

TEST(JsonRpcParseTest, StringAndIntegerIdsArePreservedAsSent) {
    RpcMessage out;
    ASSERT_FALSE(Parse(R"({"jsonrpc":"2.0","id":"42","method":"ping"})", out).has_value());
    EXPECT_TRUE(out.id.is_string());
    EXPECT_EQ(out.id, "42");

    RpcMessage number;
    ASSERT_FALSE(Parse(R"({"jsonrpc":"2.0","id":42,"method":"ping"})", number).has_value());
    EXPECT_TRUE(number.id.is_int64());
    EXPECT_EQ(number.id, 42);
    EXPECT_EQ(boost::json::serialize(RpcResult(number.id, boost::json::object{})),
              R"({"jsonrpc":"2.0","id":42,"result":{}})");

    RpcMessage negative;
    ASSERT_FALSE(Parse(R"({"jsonrpc":"2.0","id":-3,"method":"ping"})", negative).has_value());
    EXPECT_EQ(negative.id, -3);

    RpcMessage big;
    ASSERT_FALSE(
        Parse(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})", big).has_value());
    EXPECT_TRUE(big.id.is_uint64());
    EXPECT_EQ(boost::json::serialize(big.id), "18446744073709551615");

    RpcMessage empty;
    ASSERT_FALSE(Parse(R"({"jsonrpc":"2.0","id":"","method":"ping"})", empty).has_value());
    EXPECT_EQ(empty.id, "");
}

TEST(JsonRpcParseTest, RequestNotificationAndResponseAreTold) {
    RpcMessage request;
    ASSERT_FALSE(
        Parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"x"}})", request)
            .has_value());
    EXPECT_EQ(request.kind, RpcMessage::Kind::kRequest);
    EXPECT_EQ(request.method, "tools/list");
    EXPECT_EQ(request.params, (boost::json::object{{"cursor", "x"}}));

    RpcMessage notification;
    ASSERT_FALSE(Parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", notification)
                     .has_value());
    EXPECT_EQ(notification.kind, RpcMessage::Kind::kNotification);
    EXPECT_EQ(notification.method, "notifications/initialized");
    EXPECT_TRUE(notification.id.is_null());
    EXPECT_TRUE(notification.params.empty());

    RpcMessage result;
    ASSERT_FALSE(Parse(R"({"jsonrpc":"2.0","id":"r1","result":{}})", result).has_value());
    EXPECT_EQ(result.kind, RpcMessage::Kind::kResponse);
    EXPECT_EQ(result.id, "r1");
    EXPECT_TRUE(result.method.empty());

    RpcMessage error;
    ASSERT_FALSE(
        Parse(R"({"jsonrpc":"2.0","id":5,"error":{"code":-1,"message":"no"}})", error).has_value());
    EXPECT_EQ(error.kind, RpcMessage::Kind::kResponse);
    EXPECT_EQ(error.id, 5);
}

TEST(JsonRpcParseTest, MessagesWithoutAMethodMustBeResponses) {
    ExpectFailure(
        R"({"jsonrpc":"2.0","id":1})", RpcCode::kInvalidRequest, "null", "method is required");
    // A response needs an id.
    ExpectFailure(
        R"({"jsonrpc":"2.0","result":{}})", RpcCode::kInvalidRequest, "null", "method is required");
}

TEST(JsonRpcParseTest, MethodMustBeAString) {
    ExpectFailure(R"({"jsonrpc":"2.0","id":2,"method":5})",
                  RpcCode::kInvalidRequest,
                  "null",
                  "method must be a string");
    ExpectFailure(R"({"jsonrpc":"2.0","id":2,"method":null})",
                  RpcCode::kInvalidRequest,
                  "null",
                  "method must be a string");
}

TEST(JsonRpcParseTest, ParamsMustBeAnObjectOrNull) {
    for (const std::string_view params : {"[1,2]", R"("x")", "3", "true"}) {
        const std::string body =
            R"({"jsonrpc":"2.0","id":3,"method":"ping","params":)" + std::string(params) + "}";
        ExpectFailure(body, RpcCode::kInvalidRequest, "null", "params must be an object");
    }
    RpcMessage out;
    ASSERT_FALSE(
        Parse(R"({"jsonrpc":"2.0","id":3,"method":"ping","params":null})", out).has_value());
    EXPECT_TRUE(out.params.empty());
    EXPECT_EQ(out.kind, RpcMessage::Kind::kRequest);
}

TEST(JsonRpcEncodeTest, ErrorCarriesCodeMessageAndOptionalData) {
    EXPECT_EQ(
        boost::json::serialize(RpcError(nullptr, RpcCode::kMethodNotFound, "Method not found: x")),
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"Method not found: x"}})");
    EXPECT_EQ(
        boost::json::serialize(
            RpcError("a", RpcCode::kInvalidParams, "Invalid params", boost::json::value(1))),
        R"({"jsonrpc":"2.0","id":"a","error":{"code":-32602,"message":"Invalid params","data":1}})");
}

}  // namespace
}  // namespace junction::mcp
