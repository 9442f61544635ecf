#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "junction/core/result.hpp"

namespace junction::mcp {

/// JSON-RPC 2.0 error codes used by MCP (API.md §4.6).
enum class RpcCode : int {
    kParseError = -32700,
    kInvalidRequest = -32600,
    kMethodNotFound = -32601,
    kInvalidParams = -32602,
    kInternalError = -32603,
    kResourceNotFound = -32002,
};

/// One incoming JSON-RPC message (API.md §4.1). `id` is kept exactly as sent (string or
/// integer) so the answer echoes it.
struct RpcMessage {
    enum class Kind { kRequest, kNotification, kResponse };
    Kind kind = Kind::kRequest;
    boost::json::value id{};  // null for notifications
    std::string method{};
    boost::json::object params{};
};

/// A JSON-RPC error answer ready to send: the HTTP status it travels with (400 for parse and
/// envelope errors, 200 otherwise) and the body.
struct RpcFailure {
    int http_status = 400;
    boost::json::object body{};
};

/// Parses one message. Parse errors → -32700 (id null); a batch → -32600 "Batch requests are
/// not supported"; a missing/wrong `jsonrpc`, a bad `id` type, a non-string method or
/// non-object params → -32600. Every such failure answers with `id: null` (API.md §4.6).
[[nodiscard]] std::optional<RpcFailure> ParseMessage(std::string_view body,
                                                     std::size_t max_depth,
                                                     std::size_t max_array_items,
                                                     RpcMessage& out);

[[nodiscard]] boost::json::object RpcResult(const boost::json::value& id,
                                            boost::json::value result);
[[nodiscard]] boost::json::object RpcError(const boost::json::value& id,
                                           RpcCode code,
                                           std::string_view message,
                                           std::optional<boost::json::value> data = std::nullopt);

}  // namespace junction::mcp
