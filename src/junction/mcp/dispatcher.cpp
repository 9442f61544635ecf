#include "junction/mcp/dispatcher.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <boost/json/serialize.hpp>

#include "junction/mcp/tools.hpp"

namespace junction::mcp {
namespace {

constexpr std::array<std::string_view, 4> kProtocolVersions{
    "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};

constexpr std::string_view kServerName = "Junction Connectivity MCP Server";

boost::json::object ToolResult(const Result<boost::json::object>& output,
                               const std::string& request_id) {
    const bool failed = !output.has_value();
    const boost::json::object body = failed ? ErrorEnvelope(output.error(), request_id) : *output;
    return boost::json::object{{"content",
                                boost::json::array{boost::json::object{
                                    {"type", "text"}, {"text", boost::json::serialize(body)}}}},
                               {"isError", failed}};
}

// A tool step as the transport sees it: the JSON-RPC answer, or the outbound call first.
Reply ToReply(const boost::json::value& id, ToolStep step, const std::string& request_id) {
    if (step.pending) {
        auto pending = std::move(step.pending);
        return Reply{
            .pending = std::make_shared<PendingCall>(PendingCall{
                .request = std::move(pending->request),
                .delay = pending->delay,
                .resume = [id, pending, request_id](Result<http_client::OutboundResponse> outcome) {
                    return ToReply(id, pending->resume(std::move(outcome)), request_id);
                }})};
    }
    return Reply{.message = RpcResult(id, ToolResult(step.output, request_id))};
}

Reply Answer(const RpcMessage& message, boost::json::value result) {
    return Reply{.message = RpcResult(message.id, std::move(result))};
}

Reply Refuse(const RpcMessage& message, RpcCode code, std::string_view text) {
    return Reply{.message = RpcError(message.id, code, text)};
}

}  // namespace

bool IsSupportedProtocolVersion(std::string_view version) {
    return std::find(kProtocolVersions.begin(), kProtocolVersions.end(), version) !=
           kProtocolVersions.end();
}

std::string NegotiateProtocolVersion(std::string_view requested) {
    return std::string(IsSupportedProtocolVersion(requested) ? requested
                                                             : kProtocolVersions.back());
}

Dispatcher::Dispatcher(ToolSet& tools, std::string version)
    : tools_(tools), version_(std::move(version)) {}

Reply Dispatcher::Handle(const RpcMessage& message, const CallContext& context) {
    if (message.kind != RpcMessage::Kind::kRequest) {
        // notifications/initialized, notifications/cancelled and client responses need no
        // answer. A cancelled tools/call still runs to its end: each request is one HTTP
        // exchange, and a client that gave up has closed it.
        return Reply{};
    }
    const std::string& method = message.method;
    if (method == "initialize") {
        return Answer(message, Initialize(message, context));
    }
    if (method == "ping") {
        return Answer(message, boost::json::object{});
    }
    if (method == "tools/list") {
        return Answer(message, tools_.ListResult());
    }
    if (method == "tools/call") {
        const auto* name = message.params.if_contains("name");
        if (name == nullptr || !name->is_string()) {
            return Refuse(message, RpcCode::kInvalidParams, "Invalid params: name is required");
        }
        if (!tools_.Has(name->as_string())) {
            return Refuse(message,
                          RpcCode::kInvalidParams,
                          "Unknown tool: " + std::string(name->as_string()));
        }
        boost::json::object arguments;
        if (const auto* given = message.params.if_contains("arguments"); given != nullptr) {
            if (!given->is_object()) {
                return Refuse(message,
                              RpcCode::kInvalidParams,
                              "Invalid params: arguments must be an object");
            }
            arguments = given->as_object();
        }
        return ToReply(
            message.id, tools_.Call(name->as_string(), arguments, context), context.request_id);
    }
    if (method == "prompts/list") {
        return Answer(message, boost::json::object{{"prompts", boost::json::array{}}});
    }
    if (method == "prompts/get") {
        return Refuse(message, RpcCode::kInvalidParams, "Unknown prompt");
    }
    if (method == "resources/list") {
        return Answer(message, boost::json::object{{"resources", boost::json::array{}}});
    }
    if (method == "resources/templates/list") {
        return Answer(message, boost::json::object{{"resourceTemplates", boost::json::array{}}});
    }
    if (method == "resources/read") {
        return Refuse(message, RpcCode::kResourceNotFound, "Resource not found");
    }
    return Refuse(message, RpcCode::kMethodNotFound, "Method not found: " + method);
}

bool Dispatcher::MayAnswerInline(const RpcMessage& message) const {
    if (message.kind != RpcMessage::Kind::kRequest) {
        return true;  // answered with nothing, no effect
    }
    if (message.method == "initialize") {
        return false;
    }
    if (message.method != "tools/call") {
        return true;
    }
    const auto* name = message.params.if_contains("name");
    // A malformed call is refused by Handle without an effect.
    return name == nullptr || !name->is_string() || !tools_.Has(name->as_string()) ||
           tools_.MayRunInline(name->as_string());
}

boost::json::object Dispatcher::Initialize(const RpcMessage& message,
                                           const CallContext& context) const {
    std::string_view requested;
    if (const auto* version = message.params.if_contains("protocolVersion");
        version != nullptr && version->is_string()) {
        requested = version->as_string();
    }
    boost::json::object result{
        {"protocolVersion", NegotiateProtocolVersion(requested)},
        {"capabilities",
         boost::json::object{
             {"tools", boost::json::object{{"listChanged", true}}},
             {"prompts", boost::json::object{{"listChanged", false}}},
             {"resources", boost::json::object{{"subscribe", false}, {"listChanged", false}}}}},
        {"serverInfo", boost::json::object{{"name", kServerName}, {"version", version_}}}};
    if (!context.server.row.custom_instructions.empty()) {
        result["instructions"] = context.server.row.custom_instructions;
    }
    return result;
}

}  // namespace junction::mcp
