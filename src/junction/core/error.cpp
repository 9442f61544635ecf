#include "junction/core/error.hpp"

#include <array>
#include <cstddef>
#include <string>

#include <boost/json/array.hpp>

namespace junction {
namespace {

// One row per ErrorCode, in enum order (DESIGN.md §6). Keep in sync with ErrorCode.
constexpr std::array kErrorTable{
    //        code                                 error.code                HTTP  JSON-RPC
    ErrorInfo{ErrorCode::kInvalidArgument, "INVALID_REQUEST", 400, -32602},
    ErrorInfo{ErrorCode::kMalformedJson, "INVALID_REQUEST", 400, -32700},
    ErrorInfo{ErrorCode::kUnauthenticated, "UNAUTHORIZED", 401, -32001},
    ErrorInfo{ErrorCode::kPermissionDenied, "FORBIDDEN", 403, -32003},
    ErrorInfo{ErrorCode::kNotFound, "NOT_FOUND", 404, -32004},
    ErrorInfo{ErrorCode::kMethodNotFound, "NOT_FOUND", 404, -32601},
    ErrorInfo{ErrorCode::kCredentialNotFound, "CREDENTIAL_NOT_FOUND", 400, -32602},
    ErrorInfo{ErrorCode::kConnectorNotFound, "CONNECTOR_NOT_FOUND", 404, -32602},
    ErrorInfo{ErrorCode::kActionNotFound, "ACTION_NOT_FOUND", 404, -32602},
    ErrorInfo{ErrorCode::kAlreadyExists, "CONFLICT", 409, -32009},
    ErrorInfo{ErrorCode::kFailedPrecondition, "CONFLICT", 409, -32009},
    ErrorInfo{ErrorCode::kNeedsReauth, "CREDENTIAL_EXPIRED", 400, -32009},
    ErrorInfo{ErrorCode::kMethodNotAllowed, "METHOD_NOT_ALLOWED", 405, -32600},
    ErrorInfo{ErrorCode::kNotAcceptable, "NOT_ACCEPTABLE", 406, -32600},
    ErrorInfo{ErrorCode::kPayloadTooLarge, "PAYLOAD_TOO_LARGE", 413, -32600},
    ErrorInfo{ErrorCode::kUriTooLong, "URI_TOO_LONG", 414, -32600},
    ErrorInfo{ErrorCode::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", 415, -32600},
    ErrorInfo{ErrorCode::kHeadersTooLarge, "HEADERS_TOO_LARGE", 431, -32600},
    ErrorInfo{ErrorCode::kRateLimited, "RATE_LIMITED", 429, -32029},
    ErrorInfo{ErrorCode::kUpstreamError, "UPSTREAM_ERROR", 502, -32002},
    ErrorInfo{ErrorCode::kUpstreamTimeout, "UPSTREAM_TIMEOUT", 504, -32002},
    ErrorInfo{ErrorCode::kUnavailable, "SERVICE_UNAVAILABLE", 503, -32000},
    ErrorInfo{ErrorCode::kInternal, "INTERNAL_ERROR", 500, -32603},
};

constexpr bool RowsFollowEnumOrder() {
    for (std::size_t i = 0; i < kErrorTable.size(); ++i) {
        if (static_cast<std::size_t>(kErrorTable[i].code) != i) {
            return false;
        }
    }
    return kErrorTable.size() == static_cast<std::size_t>(ErrorCode::kInternal) + 1;
}
static_assert(RowsFollowEnumOrder(), "kErrorTable must have one row per ErrorCode, in order");

}  // namespace

const ErrorInfo& Describe(ErrorCode code) noexcept {
    return kErrorTable[static_cast<std::size_t>(code)];
}

boost::json::object ErrorEnvelope(const Error& error, std::string_view request_id) {
    const ErrorInfo& info = Describe(error.code);
    boost::json::object envelope;
    envelope["code"] = info.wire_code;
    envelope["message"] = error.message.empty() ? std::string(info.wire_code) : error.message;
    boost::json::object details = error.extra;
    if (!error.fields.empty()) {
        boost::json::array errors;
        for (const auto& field : error.fields) {
            errors.push_back(
                boost::json::object{{"field", field.field}, {"message", field.message}});
        }
        details["errors"] = std::move(errors);
    }
    if (error.code == ErrorCode::kInternal) {
        details["requestId"] = request_id;
    }
    if (!details.empty()) {
        envelope["details"] = std::move(details);
    }
    return boost::json::object{{"error", std::move(envelope)}};
}

}  // namespace junction
