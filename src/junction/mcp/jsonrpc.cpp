#include "junction/mcp/jsonrpc.hpp"

#include "junction/json/bounded_parse.hpp"

namespace junction::mcp {
namespace {

// API.md §4.6: envelope errors answer with `id: null`, even when an id could be read (the
// message as a whole is not trusted).
RpcFailure Invalid(const boost::json::value& /*id*/, RpcCode code, std::string_view message) {
    return RpcFailure{.http_status = 400, .body = RpcError(nullptr, code, message)};
}

}  // namespace

std::optional<RpcFailure> ParseMessage(std::string_view body,
                                       std::size_t max_depth,
                                       std::size_t max_array_items,
                                       RpcMessage& out) {
    auto parsed = json::ParseBounded(
        body, json::ParseLimits{.max_depth = max_depth, .max_array_items = max_array_items});
    if (!parsed) {
        return Invalid(nullptr, RpcCode::kParseError, "Parse error: " + parsed.error().message);
    }
    if (parsed->is_array()) {
        return Invalid(nullptr, RpcCode::kInvalidRequest, "Batch requests are not supported");
    }
    if (!parsed->is_object()) {
        return Invalid(nullptr, RpcCode::kInvalidRequest, "Invalid Request: not an object");
    }
    boost::json::object& message = parsed->as_object();

    boost::json::value id = nullptr;
    const bool has_id = message.contains("id");
    if (has_id) {
        const boost::json::value& raw = message.at("id");
        // JSON-RPC ids are strings or numbers; MCP forbids null. Fractions are not integers.
        if (!raw.is_string() && !raw.is_int64() && !raw.is_uint64()) {
            return Invalid(nullptr, RpcCode::kInvalidRequest, "Invalid Request: bad id");
        }
        id = raw;
    }
    const auto* version = message.if_contains("jsonrpc");
    if (version == nullptr || !version->is_string() || version->as_string() != "2.0") {
        return Invalid(id, RpcCode::kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\"");
    }
    const auto* method = message.if_contains("method");
    if (method == nullptr) {
        if (has_id && (message.contains("result") || message.contains("error"))) {
            out.kind = RpcMessage::Kind::kResponse;
            out.id = std::move(id);
            return std::nullopt;
        }
        return Invalid(id, RpcCode::kInvalidRequest, "Invalid Request: method is required");
    }
    if (!method->is_string()) {
        return Invalid(id, RpcCode::kInvalidRequest, "Invalid Request: method must be a string");
    }
    out.method = std::string(method->as_string());
    if (const auto* params = message.if_contains("params"); params != nullptr) {
        if (params->is_object()) {
            out.params = params->as_object();
        } else if (!params->is_null()) {
            return Invalid(
                id, RpcCode::kInvalidRequest, "Invalid Request: params must be an object");
        }
    }
    out.kind = has_id ? RpcMessage::Kind::kRequest : RpcMessage::Kind::kNotification;
    out.id = std::move(id);
    return std::nullopt;
}

boost::json::object RpcResult(const boost::json::value& id, boost::json::value result) {
    return boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

boost::json::object RpcError(const boost::json::value& id,
                             RpcCode code,
                             std::string_view message,
                             std::optional<boost::json::value> data) {
    boost::json::object error{{"code", static_cast<int>(code)}, {"message", message}};
    if (data) {
        error["data"] = std::move(*data);
    }
    return boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

}  // namespace junction::mcp
