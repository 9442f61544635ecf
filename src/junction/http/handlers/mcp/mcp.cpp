// POST, GET and DELETE on /mcp/{serverId} and /mcp/{serverId}/{accessToken}: MCP's
// Streamable HTTP transport (API.md §4.1). Authentication and the rate limit ran in Api.
#include <memory>
#include <optional>

#include <boost/json/serialize.hpp>

#include "junction/core/ascii.hpp"
#include "junction/core/event_queue.hpp"
#include "junction/core/nonblocking.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/outbound_step.hpp"
#include "junction/http/responses.hpp"
#include "junction/mcp/dispatcher.hpp"
#include "junction/mcp/gateway.hpp"
#include "junction/mcp/jsonrpc.hpp"
#include "junction/mcp/sessions.hpp"
#include "junction/mcp/stream_hub.hpp"

namespace junction::http::handlers {
namespace {

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// Whether `Accept` admits text/event-stream: `*/*` and `text/*` count, `q=0` excludes, spaces
// and parameters are tolerated. No Accept header means anything is acceptable (RFC 9110).
bool AcceptsEventStream(std::optional<std::string_view> accept) {
    if (!accept) {
        return true;
    }
    const std::string value = AsciiLowercase(*accept);
    std::string_view rest = value;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        std::string_view range = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        const std::size_t semicolon = range.find(';');
        const std::string_view media = Trim(range.substr(0, semicolon));
        bool refused = false;
        if (semicolon != std::string_view::npos) {
            std::string_view params = range.substr(semicolon + 1);
            while (!params.empty()) {
                const std::size_t next = params.find(';');
                const std::string_view param = Trim(params.substr(0, next));
                params =
                    next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
                if (param.substr(0, 2) == "q=") {
                    const std::string_view q = param.substr(2);
                    refused = q.find_first_not_of("0.") == std::string_view::npos;
                }
            }
        }
        if (!refused && (media == "text/event-stream" || media == "text/*" || media == "*/*")) {
            return true;
        }
    }
    return false;
}

bool IsJson(std::optional<std::string_view> content_type) {
    if (!content_type) {
        return false;
    }
    const std::string value = AsciiLowercase(*content_type);
    return Trim(std::string_view(value).substr(0, value.find(';'))) == "application/json";
}

std::optional<std::string> HeaderCopy(const HttpRequest& request, std::string_view name) {
    const auto value = request.Header(name);
    return value ? std::optional<std::string>(*value) : std::nullopt;
}

Result<mcp::McpCaller> Establish(Exchange& exchange) {
    const HttpRequest& request = exchange.request;
    const mcp::McpHeaders headers{.user_token = HeaderCopy(request, "x-alloy-user-token"),
                                  .user_id = HeaderCopy(request, "x-alloy-userid"),
                                  .server_id = HeaderCopy(request, "x-mcp-server-id"),
                                  .credential_id = HeaderCopy(request, "x-credential-id"),
                                  .redirect_uri = HeaderCopy(request, "x-redirect-uri")};
    auto caller =
        exchange.mcp_server
            ? exchange.services.mcp_gateway.ForToken(
                  std::move(*exchange.mcp_server), headers, exchange.request_id)
            : exchange.services.mcp_gateway.ForPrincipal(
                  exchange.principal, exchange.PathParam("serverId"), headers, exchange.request_id);
    if (caller) {
        exchange.effective_user = caller->context.user;  // for the access log
    }
    return caller;
}

HttpResponse NotAcceptable(const std::string& request_id) {
    return ToHttpResponse(Error{.code = ErrorCode::kNotAcceptable,
                                .message = "Accept must include text/event-stream"},
                          request_id);
}

/// How the final JSON-RPC message travels: plain JSON, or (a tools/call with a progress
/// token) an SSE body holding a progress notification and then the response.
struct ReplyFormat {
    bool event_stream = false;
    boost::json::value progress_token{};
    std::optional<std::string> session_id{};  // new session: sent in Mcp-Session-Id
};

HttpResponse Render(const boost::json::object& message, const ReplyFormat& format) {
    HttpResponse response;
    if (format.event_stream) {
        const boost::json::object progress{
            {"jsonrpc", "2.0"},
            {"method", "notifications/progress"},
            {"params",
             boost::json::object{
                 {"progressToken", format.progress_token}, {"progress", 1}, {"total", 1}}}};
        response.status = 200;
        response.headers.emplace_back("content-type", "text/event-stream");
        response.headers.emplace_back("cache-control", "no-cache");
        response.body = "event: message\nid: 1\ndata: " + boost::json::serialize(progress) +
                        "\n\nevent: message\nid: 2\ndata: " + boost::json::serialize(message) +
                        "\n\n";
    } else {
        response = JsonResponse(200, message);
    }
    if (format.session_id) {
        response.SetHeader("mcp-session-id", *format.session_id);
    }
    return response;
}

HttpResponse FromReply(mcp::Reply reply, const std::shared_ptr<const ReplyFormat>& format) {
    if (reply.pending) {
        std::shared_ptr<mcp::PendingCall> pending = std::move(reply.pending);
        HttpResponse waiting;
        waiting.next = std::make_shared<OutboundStep>(OutboundStep{
            .request = pending->request,
            .delay = pending->delay,
            .resume = [pending, format](Result<http_client::OutboundResponse> outcome) {
                return FromReply(pending->resume(std::move(outcome)), format);
            }});
        return waiting;
    }
    if (!reply.message) {
        HttpResponse accepted;
        accepted.status = 202;
        return accepted;
    }
    return Render(*reply.message, *format);
}

// POST runs first on an IO thread (route `inline_first`, Api::TryInline) and is run again on
// the pool when anything there would block, so it may start there only when nothing it does
// before its last store read has an effect a rerun would repeat. Store writes refuse before
// they start; a session's touch and a new session always need the store, and the dispatcher
// knows which methods and tools are safe. Outside an inline attempt: nullopt, go ahead.
std::optional<Error> RefuseUnlessInlineSafe(const Exchange& exchange,
                                            const mcp::RpcMessage& message,
                                            bool has_session) {
    if (!has_session && exchange.services.mcp_dispatcher.MayAnswerInline(message)) {
        return std::nullopt;
    }
    return RefuseBlocking();
}

}  // namespace

HttpResponse PostMcp(Exchange& exchange) {
    const HttpRequest& request = exchange.request;
    const Config& config = exchange.services.config;
    if (!AcceptsEventStream(request.Header("accept"))) {
        return NotAcceptable(exchange.request_id);
    }
    if (!IsJson(request.Header("content-type"))) {
        return ToHttpResponse(Error{.code = ErrorCode::kUnsupportedMediaType,
                                    .message = "Content-Type must be application/json"},
                              exchange.request_id);
    }
    mcp::RpcMessage message;
    if (auto failure = mcp::ParseMessage(
            request.body, config.http.max_json_depth, config.http.max_json_array_items, message)) {
        return JsonResponse(failure->http_status, failure->body);
    }
    const auto header_version = request.Header("mcp-protocol-version");
    if (header_version && !mcp::IsSupportedProtocolVersion(*header_version)) {
        return ToHttpResponse(Error{.code = ErrorCode::kInvalidArgument,
                                    .message = "Unsupported MCP-Protocol-Version '" +
                                               std::string(*header_version) + "'"},
                              exchange.request_id);
    }
    const auto session_header = request.Header("mcp-session-id");
    if (auto refused = RefuseUnlessInlineSafe(exchange, message, session_header.has_value())) {
        return ToHttpResponse(*refused, exchange.request_id);  // discarded: rerun on the pool
    }
    auto caller = Establish(exchange);
    if (!caller) {
        return ToHttpResponse(caller.error(), exchange.request_id);
    }
    auto format = std::make_shared<ReplyFormat>();
    if (session_header) {
        auto resumed = exchange.services.mcp_sessions.Resume(*session_header, caller->binding);
        if (!resumed) {
            return ToHttpResponse(resumed.error(), exchange.request_id);
        }
    }
    mcp::Reply reply = exchange.services.mcp_dispatcher.Handle(message, caller->context);
    if (message.kind == mcp::RpcMessage::Kind::kRequest && message.method == "initialize" &&
        !session_header && reply.message && reply.message->contains("result")) {
        const auto& result = reply.message->at("result").as_object();
        auto session = exchange.services.mcp_sessions.Open(
            caller->binding, result.at("protocolVersion").as_string());
        if (!session) {
            return ToHttpResponse(session.error(), exchange.request_id);
        }
        format->session_id = std::move(*session);
    }
    if (message.kind == mcp::RpcMessage::Kind::kRequest && message.method == "tools/call") {
        if (const auto* meta = message.params.if_contains("_meta");
            meta != nullptr && meta->is_object()) {
            if (const auto* token = meta->as_object().if_contains("progressToken");
                token != nullptr &&
                (token->is_string() || token->is_int64() || token->is_uint64())) {
                format->event_stream = true;
                format->progress_token = *token;
            }
        }
    }
    return FromReply(std::move(reply), format);
}

HttpResponse GetMcp(Exchange& exchange) {
    if (!AcceptsEventStream(exchange.request.Header("accept"))) {
        return NotAcceptable(exchange.request_id);
    }
    auto caller = Establish(exchange);
    if (!caller) {
        return ToHttpResponse(caller.error(), exchange.request_id);
    }
    const auto session = exchange.request.Header("mcp-session-id");
    if (session) {
        auto resumed = exchange.services.mcp_sessions.Resume(*session, caller->binding);
        if (!resumed) {
            return ToHttpResponse(resumed.error(), exchange.request_id);
        }
    }
    HttpResponse response;
    response.status = 200;
    response.headers.emplace_back("content-type", "text/event-stream");
    response.headers.emplace_back("cache-control", "no-cache");
    response.stream = exchange.services.mcp_streams.Open(caller->binding.server_id,
                                                         std::string(session.value_or("")));
    response.stream_keepalive = exchange.services.config.mcp_stream_keepalive;
    response.stream_lifetime = exchange.services.config.mcp_stream_lifetime;
    return response;
}

HttpResponse DeleteMcp(Exchange& exchange) {
    auto caller = Establish(exchange);
    if (!caller) {
        return ToHttpResponse(caller.error(), exchange.request_id);
    }
    const auto session = exchange.request.Header("mcp-session-id");
    if (!session) {
        return ToHttpResponse(Error{.code = ErrorCode::kInvalidArgument,
                                    .message = "Header Mcp-Session-Id is required"},
                              exchange.request_id);
    }
    if (auto closed = exchange.services.mcp_sessions.Close(*session, caller->binding); !closed) {
        return ToHttpResponse(closed.error(), exchange.request_id);
    }
    exchange.services.mcp_streams.CloseSession(std::string(*session));
    HttpResponse response;
    response.status = 204;
    return response;
}

}  // namespace junction::http::handlers
