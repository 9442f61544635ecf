// JSON-RPC parsing and MCP dispatch: mcp::ParseMessage (the body of POST /mcp) and the real
// Dispatcher of an Application (initialize, tools/list, tools/call of the eight tools over
// the built-in catalog and a SQLite store, ...), acting for a user through a server's token as
// the token URL does. A tool's outbound call is never sent: it is answered with a canned
// response whose body is the input itself (so result shaping sees fuzzed JSON too).
//
// Invariants: a refused message answers HTTP 400 with a JSON-RPC error -32700 or -32600 and
// id null; a parsed request always gets exactly one answer echoing its id, with either
// `result` or an `error` carrying an integer code; notifications and responses get none.

#include <array>

#include <boost/json/serialize.hpp>

#include "fuzz_app.hpp"
#include "fuzz_support.hpp"
#include "junction/mcp/dispatcher.hpp"
#include "junction/mcp/jsonrpc.hpp"
#include "junction/service/mcp_server_service.hpp"
#include "junction/service/user_service.hpp"

namespace {

using junction::fuzz::Check;
namespace mcp = junction::mcp;

struct Setup {
    junction::fuzz::FuzzApp fuzz;
    mcp::CallContext context;
};

Setup* g_setup = nullptr;

// Resolves a reply's outbound calls (at most a few rounds) with canned answers.
mcp::Reply Settle(mcp::Reply reply, std::string_view body, std::size_t seed) {
    constexpr std::array kStatuses{200, 201, 204, 400, 401, 404, 429, 500};
    for (int round = 0; reply.pending && round < 4; ++round) {
        Check(static_cast<bool>(reply.pending->resume), "a pending call without a resume");
        const std::size_t pick = seed + static_cast<std::size_t>(round);
        junction::Result<junction::http_client::OutboundResponse> outcome =
            junction::http_client::OutboundResponse{
                .status = kStatuses[pick % kStatuses.size()],
                .headers = {{"content-type", "application/json"}},
                .body = std::string(body),
                .effective_url = reply.pending->request.url};
        if (pick % 7 == 6) {
            outcome =
                junction::Fail(junction::ErrorCode::kUpstreamError, "upstream unreachable (fuzz)");
        }
        auto pending = std::move(reply.pending);
        reply = pending->resume(std::move(outcome));
    }
    return reply;
}

void CheckAnswer(const boost::json::object& answer, const boost::json::value& id) {
    const auto* version = answer.if_contains("jsonrpc");
    Check(version != nullptr && *version == "2.0", "an answer without jsonrpc 2.0");
    const auto* answered_id = answer.if_contains("id");
    Check(answered_id != nullptr && *answered_id == id, "an answer does not echo the id");
    const bool has_result = answer.contains("result");
    const auto* error = answer.if_contains("error");
    Check(has_result != (error != nullptr), "an answer needs exactly one of result and error");
    if (error != nullptr) {
        Check(error->is_object() && error->as_object().contains("code") &&
                  error->as_object().at("code").is_int64(),
              "an error without an integer code");
    }
    (void)boost::json::serialize(answer);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    g_setup =
        new Setup{.fuzz = junction::fuzz::MakeFuzzApp([](junction::Config&) {}), .context = {}};
    auto& app = *g_setup->fuzz.app;
    const junction::service::Principal admin{.role = junction::service::Role::kAdmin};
    auto user = app.Users().Create(admin, "fuzz", "Fuzz User");
    Check(user.has_value(), "cannot create the fuzz user");
    auto server = app.Servers().Create(admin, *user, boost::json::object{{"name", "fuzz"}});
    Check(server.has_value(), "cannot create the fuzz MCP server");
    auto context = app.Servers().AuthenticateToken(server->at("serverId").as_string(),
                                                   server->at("accessToken").as_string());
    Check(context.has_value(), "cannot authenticate the fuzz MCP server");
    g_setup->context = mcp::CallContext{.server = std::move(*context),
                                        .principal = {.role = junction::service::Role::kUser,
                                                      .owner_user_id = user->id,
                                                      .owner_username = user->username},
                                        .user = *user,
                                        .credential_header = std::nullopt,
                                        .redirect_header = std::nullopt,
                                        .request_id = "fuzz"};
    // A credential, so execute_action_alloy gets as far as its outbound call.
    mcp::RpcMessage create;
    const auto refused = mcp::ParseMessage(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_credential_alloy",)"
        R"("arguments":{"connectorId":"stripe","authenticationType":"bearer","fields":{"token":"sk_test_fuzz"}}}})",
        64,
        1000,
        create);
    Check(!refused, "the credential message does not parse");
    (void)Settle(app.McpDispatcher().Handle(create, g_setup->context), "{}", 0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = junction::fuzz::AsText(data, size);
    mcp::RpcMessage message;
    if (const auto failure = mcp::ParseMessage(body, 64, 1000, message)) {
        Check(failure->http_status == 400, "a refused message does not answer 400");
        CheckAnswer(failure->body, nullptr);
        const auto code = failure->body.at("error").at("code").as_int64();
        Check(code == -32700 || code == -32600, "a refused message with another code");
        return 0;
    }
    if (message.kind == mcp::RpcMessage::Kind::kRequest) {
        Check(message.id.is_string() || message.id.is_int64() || message.id.is_uint64(),
              "a request id that is neither a string nor an integer");
    } else {
        Check(message.kind == mcp::RpcMessage::Kind::kResponse || message.id.is_null(),
              "a notification with an id");
    }
    mcp::Reply reply =
        Settle(g_setup->fuzz.app->McpDispatcher().Handle(message, g_setup->context), body, size);
    if (message.kind != mcp::RpcMessage::Kind::kRequest) {
        Check(!reply.message && !reply.pending, "a notification or response was answered");
        return 0;
    }
    if (reply.pending) {
        return 0;  // still calling out after the rounds Settle allows (retries): fine
    }
    Check(reply.message.has_value(), "a request got no answer");
    CheckAnswer(*reply.message, message.id);
    return 0;
}
