#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "junction/core/result.hpp"
#include "junction/http_client/http_client.hpp"
#include "junction/mcp/jsonrpc.hpp"
#include "junction/service/mcp_server_service.hpp"
#include "junction/service/principal.hpp"
#include "junction/storage/rows.hpp"

namespace junction::mcp {

class ToolSet;

/// What a request acts for (API.md §4.4), established by the transport before dispatch.
struct CallContext {
    service::McpServerContext server{};
    service::Principal principal{};  // token URL: the effective user acting as role user
    storage::UserRow user{};         // the effective user
    std::optional<std::string> credential_header{};  // x-credential-id
    std::optional<std::string> redirect_header{};    // x-redirect-uri
    std::string request_id{};
};

struct Reply;

/// An outbound call a reply waits for: the transport sends `request` after `delay` without
/// holding a thread and hands the outcome to `resume` (blocking pool).
struct PendingCall {
    http_client::OutboundRequest request{};
    std::chrono::milliseconds delay{0};
    std::function<Reply(Result<http_client::OutboundResponse>)> resume{};
};

/// What one incoming message produced: a JSON-RPC message to send back, nothing (a
/// notification or a response: HTTP 202), or an outbound call to make first.
struct Reply {
    std::optional<boost::json::object> message{};
    std::shared_ptr<PendingCall> pending{};
};

/// Protocol versions (API.md §4.2), oldest first.
[[nodiscard]] bool IsSupportedProtocolVersion(std::string_view version);
/// A requested supported version is echoed; anything else gets the latest.
[[nodiscard]] std::string NegotiateProtocolVersion(std::string_view requested);

/// Answers MCP methods (API.md §4.3): initialize, ping, tools/list, tools/call (through the
/// ToolSet), prompts/*, resources/*, notifications. Thread-safe. Blocking pool; a message
/// MayAnswerInline accepts may also be handled on an IO thread inside a NonBlockingScope.
class Dispatcher {
public:
    Dispatcher(ToolSet& tools, std::string version);

    /// The reply to one request or notification. Unknown methods → -32601; bad tools/call
    /// params → -32602; failures inside a tool → a tool result with isError (never an RPC
    /// error).
    [[nodiscard]] Reply Handle(const RpcMessage& message, const CallContext& context);
    /// Whether Handle(message) may run inside a NonBlockingScope (Api::TryInline), where it can
    /// be refused half-way and rerun on the pool: every method but initialize (always followed
    /// by a session write) and a tools/call of a tool ToolSet::MayRunInline refuses.
    [[nodiscard]] bool MayAnswerInline(const RpcMessage& message) const;

private:
    [[nodiscard]] boost::json::object Initialize(const RpcMessage& message,
                                                 const CallContext& context) const;

    ToolSet& tools_;
    std::string version_;
};

}  // namespace junction::mcp
