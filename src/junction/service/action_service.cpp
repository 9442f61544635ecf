#include "junction/service/action_service.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "junction/connectors/auth_placement.hpp"
#include "junction/core/ascii.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/service/auth_injection.hpp"
#include "junction/service/credential_service.hpp"
#include "junction/service/oauth_protocol.hpp"

namespace junction::service {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kErrorBodyBytes = 4096;
constexpr auto kMaxRetryAfter = 30s;
constexpr int kMaxRedirects = 5;
constexpr std::int64_t kMinTimeoutMs = 1'000;
constexpr std::int64_t kMaxTimeoutMs = 300'000;
constexpr std::size_t kMaxHeaderValueBytes = 8192;
constexpr std::size_t kShortestRedactedSecret = 4;
constexpr std::string_view kRedacted = "[redacted]";
// Answers up to this size are redacted and parsed on the IO thread (OnOutcomeBlocks).
constexpr std::size_t kInlineBodyBytes = 64UL * 1024;

// Headers a caller may never set: the transport owns them, or the credential does.
constexpr std::array kReservedHeaders{"host",
                                      "content-length",
                                      "transfer-encoding",
                                      "connection",
                                      "keep-alive",
                                      "proxy-authorization",
                                      "proxy-authenticate",
                                      "proxy-connection",
                                      "te",
                                      "trailer",
                                      "upgrade"};

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& header) {
        return AsciiIEquals(header.first, name);
    });
}

// A scalar query or path value as text; nullopt for objects, arrays and null.
std::optional<std::string> ScalarText(const boost::json::value& value) {
    if (value.is_string()) {
        return std::string(value.as_string());
    }
    if (value.is_bool()) {
        return value.as_bool() ? "true" : "false";
    }
    if (value.is_int64() || value.is_uint64() || value.is_double()) {
        return boost::json::serialize(value);
    }
    return std::nullopt;
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string Truncate(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) {
        return std::string(text);
    }
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
        --end;
    }
    return std::string(text.substr(0, end));
}

bool IsJsonType(std::string_view content_type) {
    const std::string type = AsciiLowercase(content_type.substr(0, content_type.find(';')));
    return type == "application/json" || type.ends_with("+json");
}

bool IsTextType(std::string_view content_type) {
    const std::string type = AsciiLowercase(content_type.substr(0, content_type.find(';')));
    return type.starts_with("text/") || type == "application/xml" || type.ends_with("+xml") ||
           type == "application/x-www-form-urlencoded" || type == "application/javascript";
}

// Retry-After: delay-seconds (HTTP dates are rare for APIs and read as "no hint").
std::optional<std::chrono::milliseconds> RetryAfter(const http_client::OutboundResponse& answer) {
    const auto header = answer.Header("retry-after");
    if (!header) {
        return std::nullopt;
    }
    std::int64_t seconds = 0;
    const auto* end = header->data() + header->size();
    const auto [ptr, ec] = std::from_chars(header->data(), end, seconds);
    if (ec != std::errc{} || ptr != end || seconds < 0) {
        return std::nullopt;
    }
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds), kMaxRetryAfter);
}

}  // namespace

ActionService::ActionService(storage::Store& store,
                             const connectors::Catalog& catalog,
                             const crypto::SecretBox& secret_box,
                             OAuthService& oauth,
                             FileService& files,
                             const Clock& clock,
                             Rng& rng,
                             std::size_t max_response_bytes)
    : store_(store),
      catalog_(catalog),
      secret_box_(secret_box),
      oauth_(oauth),
      files_(files),
      clock_(clock),
      rng_(rng),
      max_response_bytes_(max_response_bytes) {}

std::vector<http_client::MultipartPart> ActionService::MultipartParts(
    const storage::UserRow& user,
    const connectors::ActionSpec& action,
    const boost::json::object& body,
    Error& invalid) {
    const boost::json::object* properties = nullptr;
    if (action.request_body && action.request_body->is_object()) {
        const auto* declared = action.request_body->as_object().if_contains("properties");
        if (declared != nullptr && declared->is_object()) {
            properties = &declared->as_object();
        }
    }
    const auto is_file = [&](std::string_view name) {
        const auto* property = properties != nullptr ? properties->if_contains(name) : nullptr;
        if (property == nullptr || !property->is_object()) {
            return false;
        }
        const auto* format = property->as_object().if_contains("format");
        return format != nullptr && format->is_string() && format->as_string() == "binary";
    };
    std::vector<http_client::MultipartPart> parts;
    for (const auto& [name, value] : body) {
        const std::string field = "requestBody." + std::string(name);
        if (!is_file(name)) {
            parts.push_back({.name = std::string(name),
                             .data = ScalarText(value).value_or(boost::json::serialize(value))});
            continue;
        }
        if (!value.is_string()) {
            invalid.fields.push_back({.field = field, .message = "must be an s3Key"});
            continue;
        }
        auto opened = files_.OpenForUser(user, value.as_string());
        if (!opened) {
            invalid.fields.push_back({.field = field, .message = opened.error().message});
            continue;
        }
        parts.push_back({.name = std::string(name),
                         .filename = opened->row.filename,
                         .content_type = opened->row.mime_type,
                         .file = std::move(opened->bytes)});
    }
    return parts;
}

Result<const json::SchemaValidator*> ActionService::BodySchema(
    const connectors::ActionSpec& action) {
    const std::lock_guard lock(schemas_mutex_);
    auto& slot = schemas_[&action];
    if (!slot) {
        auto compiled = json::SchemaValidator::Compile(*action.request_body);
        if (!compiled) {
            return Fail(ErrorCode::kInternal, "Internal server error", compiled.error().message);
        }
        slot = std::make_unique<json::SchemaValidator>(std::move(*compiled));
    }
    return slot.get();
}

Result<std::shared_ptr<ActionCall>> ActionService::Start(const storage::UserRow& user,
                                                         std::string_view connector_id,
                                                         std::string_view action_id,
                                                         const boost::json::object& body) {
    const auto* connector = catalog_.Find(connector_id);
    if (connector == nullptr) {
        return Fail(ErrorCode::kConnectorNotFound,
                    "Connector '" + std::string(connector_id) + "' not found");
    }
    const auto* action = connector->FindAction(action_id);
    if (action == nullptr) {
        return Fail(ErrorCode::kActionNotFound,
                    "Action '" + std::string(action_id) + "' not found for connector '" +
                        connector->id + "'");
    }

    // The shape of the execute body.
    Error invalid{.code = ErrorCode::kInvalidArgument,
                  .message = "Request is invalid for action '" + action->id + "'"};
    auto field_error = [&](std::string field, std::string message) {
        invalid.fields.push_back({.field = std::move(field), .message = std::move(message)});
    };
    const auto* credential_value = body.if_contains("credentialId");
    if (credential_value == nullptr || !credential_value->is_string()) {
        return FailField("credentialId", "is required");
    }
    const std::string credential_id(credential_value->as_string());
    auto object_field = [&](std::string_view name) -> boost::json::object {
        const auto* value = body.if_contains(name);
        if (value == nullptr) {
            return {};
        }
        if (!value->is_object()) {
            field_error(std::string(name), "must be an object");
            return {};
        }
        return value->as_object();
    };
    const boost::json::object query_parameters = object_field("queryParameters");
    const boost::json::object path_params = object_field("pathParams");
    const boost::json::object additional_headers = object_field("additionalHeaders");
    const auto* request_body = body.if_contains("requestBody");
    if (request_body != nullptr && !request_body->is_object() && !request_body->is_array()) {
        field_error("requestBody", "must be an object or an array");
    }
    std::int64_t timeout_ms = action->timeout_ms.value_or(connector->timeout_ms);
    if (const auto* timeout = body.if_contains("timeout")) {
        if (!timeout->is_int64() || timeout->as_int64() < kMinTimeoutMs ||
            timeout->as_int64() > kMaxTimeoutMs) {
            field_error("timeout", "must be an integer from 1000 to 300000 (milliseconds)");
        } else {
            timeout_ms = timeout->as_int64();
        }
    }
    if (!invalid.fields.empty()) {
        return Fail(std::move(invalid));
    }

    // The credential: the effective user's, of this connector.
    const Error not_found{.code = ErrorCode::kCredentialNotFound,
                          .message = "Credential not found"};
    if (!IsObjectId(credential_id)) {
        return Fail(not_found);
    }
    auto row = store_.FindCredential(credential_id);
    if (!row) {
        return row.error().code == ErrorCode::kNotFound ? Fail(not_found)
                                                        : Fail(std::move(row.error()));
    }
    if (row->user_id != user.id || row->connector_id != connector->id) {
        return Fail(not_found);
    }
    if (row->status == "expired") {
        return Fail(ErrorCode::kNeedsReauth,
                    "Credential '" + row->id + "' has expired; the user must reconnect");
    }
    const auto auth =
        std::find_if(connector->auth.begin(), connector->auth.end(), [&](const auto& entry) {
            return entry.type == row->authentication_type;
        });
    if (auth == connector->auth.end()) {
        return Fail(ErrorCode::kInternal,
                    "Internal server error",
                    "credential auth type no longer in the catalog");
    }

    auto call = std::shared_ptr<ActionCall>(new ActionCall());
    call->oauth_ = &oauth_;
    call->clock_ = &clock_;
    call->rng_ = &rng_;
    call->connector_ = connector;
    call->auth_ = &*auth;
    call->action_ = action;
    call->credential_id_ = row->id;
    call->credential_version_ = row->version;

    boost::json::object data;
    connectors::AuthPlacement placement;
    if (row->authentication_type == "oauth2") {
        auto access = oauth_.EnsureFresh(row->id);
        if (!access) {
            return Fail(std::move(access.error()));
        }
        call->credential_version_ = access->version;
        data = std::move(access->data);
        placement = connectors::PlaceAccessToken(*auth, access->access_token.Reveal());
        placement.values.emplace_back(std::string(access->refresh_token.Reveal()));
    } else {
        const auto blob = crypto::Base64Decode(row->secret);
        if (!blob) {
            return Fail(ErrorCode::kInternal, "Internal server error", "credential not base64");
        }
        auto plain = secret_box_.Open(*blob, CredentialAad(row->id));
        if (!plain) {
            return Fail(std::move(plain.error()));
        }
        boost::system::error_code ec;
        auto parsed = boost::json::parse(plain->Reveal(), ec);
        if (ec || !parsed.is_object()) {
            return Fail(ErrorCode::kInternal, "Internal server error", "credential not JSON");
        }
        data = std::move(parsed.as_object());
        auto placed = connectors::PlaceKeyCredential(*auth, data);
        if (!placed) {
            return Fail(std::move(placed.error()));
        }
        placement = std::move(*placed);
    }
    // Secrets to inject, and to scrub from anything echoed back.
    auto injection = ToInjection(placement);
    call->auth_headers_ = std::move(injection.headers);
    call->auth_query_ = std::move(injection.query);
    call->secrets_ = std::move(injection.secrets);
    for (const auto& item : data) {
        const std::string_view field = item.key();
        const bool secret_field =
            std::any_of(auth->fields.begin(), auth->fields.end(), [field](const auto& spec) {
                return spec.name == field && spec.secret;
            });
        if (secret_field && item.value().is_string()) {
            call->secrets_.emplace_back(item.value().as_string());
        }
    }

    // Inputs against the action's parameters.
    std::string path = action->path;
    for (const auto& parameter : action->parameters) {
        if (parameter.in == "path") {
            const auto* value = path_params.if_contains(parameter.name);
            const auto text = value != nullptr ? ScalarText(*value) : std::nullopt;
            if (!text || text->empty()) {
                field_error("pathParams." + parameter.name, "is required");
                continue;
            }
            const std::string placeholder = "{" + parameter.name + "}";
            for (auto at = path.find(placeholder); at != std::string::npos;
                 at = path.find(placeholder, at)) {
                const std::string encoded = oauth::PercentEncode(*text);
                path.replace(at, placeholder.size(), encoded);
                at += encoded.size();
            }
        } else if (parameter.in == "query" && parameter.required &&
                   !query_parameters.contains(parameter.name) &&
                   !HasHeader(call->auth_query_, parameter.name)) {
            field_error("queryParameters." + parameter.name, "is required");
        } else if (parameter.in == "header" && parameter.required &&
                   std::none_of(additional_headers.begin(),
                                additional_headers.end(),
                                [&](const auto& header) {
                                    return AsciiLowercase(header.key()) ==
                                           AsciiLowercase(parameter.name);
                                }) &&
                   !HasHeader(call->auth_headers_, parameter.name)) {
            field_error("additionalHeaders." + parameter.name, "is required");
        }
    }
    oauth::QueryParams query;
    for (const auto& [name, value] : query_parameters) {
        if (value.is_array()) {
            for (const auto& item : value.as_array()) {
                if (auto text = ScalarText(item)) {
                    query.emplace_back(std::string(name), std::move(*text));
                } else {
                    field_error("queryParameters." + std::string(name),
                                "must be a scalar or an array of scalars");
                    break;
                }
            }
        } else if (auto text = ScalarText(value)) {
            query.emplace_back(std::string(name), std::move(*text));
        } else {
            field_error("queryParameters." + std::string(name),
                        "must be a scalar or an array of scalars");
        }
    }
    std::vector<std::pair<std::string, std::string>> headers;
    // Room for the Accept, Content-Type and auth headers added later, without a regrowth.
    headers.reserve(connector->default_headers.size() + additional_headers.size() +
                    call->auth_headers_.size() + 2);
    std::vector<std::string> credential_headers;  // dropped on a redirect to another origin
    for (const auto& [name, value] : connector->default_headers) {
        auto expanded = connectors::ExpandTemplate(value, data);
        if (expanded) {
            if (value.find("{{") != std::string::npos) {
                credential_headers.push_back(name);  // filled from the credential's data
            }
            headers.emplace_back(name, std::move(*expanded));
        }
    }
    for (const auto& [name, value] : additional_headers) {
        const std::string lower = AsciiLowercase(name);
        if (std::find(kReservedHeaders.begin(), kReservedHeaders.end(), lower) !=
                kReservedHeaders.end() ||
            HasHeader(call->auth_headers_, lower) || lower == "authorization") {
            field_error("additionalHeaders." + std::string(name), "may not be set");
        } else if (!value.is_string() || value.as_string().size() > kMaxHeaderValueBytes) {
            field_error("additionalHeaders." + std::string(name),
                        "must be a string of at most 8192 characters");
        } else {
            // A caller's value replaces a connector default of the same name.
            std::erase_if(headers,
                          [&](const auto& header) { return AsciiIEquals(header.first, lower); });
            headers.emplace_back(std::string(name), std::string(value.as_string()));
        }
    }
    if (action->request_body && request_body != nullptr) {
        auto schema = BodySchema(*action);
        if (!schema) {
            return Fail(std::move(schema.error()));
        }
        for (auto& problem : (*schema)->Validate(*request_body)) {
            field_error(problem.field.empty() ? "requestBody" : "requestBody." + problem.field,
                        std::move(problem.message));
        }
    } else if (action->request_body && request_body == nullptr) {
        const auto& schema = action->request_body->as_object();
        if (const auto* required = schema.if_contains("required");
            required != nullptr && required->is_array() && !required->as_array().empty()) {
            field_error("requestBody", "is required");
        }
    }
    auto base_url = connectors::ExpandTemplate(connector->base_url, data);
    if (!base_url) {
        return Fail(std::move(base_url.error()));
    }
    if (!invalid.fields.empty()) {
        return Fail(std::move(invalid));
    }

    http_client::OutboundRequest request{.method = AsciiLowercase(action->http_method),
                                         .url = oauth::AppendQuery(*base_url + path, query),
                                         .headers = std::move(headers),
                                         .max_response_bytes = max_response_bytes_,
                                         .allowed_hosts = connector->allowed_hosts,
                                         .allow_private_network = connector->allow_private_network,
                                         .max_redirects = kMaxRedirects,
                                         .credential_headers = std::move(credential_headers)};
    std::transform(
        request.method.begin(), request.method.end(), request.method.begin(), [](char c) {
            return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        });
    if (!HasHeader(request.headers, "accept")) {
        request.headers.emplace_back("Accept", "application/json");
    }
    if (request_body != nullptr) {
        if (action->request_content_type == "application/x-www-form-urlencoded") {
            oauth::QueryParams form;
            if (request_body->is_object()) {
                for (const auto& [name, value] : request_body->as_object()) {
                    form.emplace_back(std::string(name),
                                      ScalarText(value).value_or(boost::json::serialize(value)));
                }
            }
            request.body = oauth::FormEncode(form);
        } else if (action->request_content_type == "multipart/form-data") {
            if (!request_body->is_object()) {
                return FailField("requestBody",
                                 "must be an object (one form field per property)",
                                 invalid.message);
            }
            request.multipart = MultipartParts(user, *action, request_body->as_object(), invalid);
            if (!invalid.fields.empty()) {
                return Fail(std::move(invalid));
            }
            // The client writes the multipart Content-Type with its boundary.
            std::erase_if(request.headers, [](const auto& header) {
                return AsciiLowercase(header.first) == "content-type";
            });
        } else {
            request.body = boost::json::serialize(*request_body);
        }
        if (!request.multipart && !HasHeader(request.headers, "content-type")) {
            request.headers.emplace_back("Content-Type", action->request_content_type);
        }
    }
    call->base_ = std::move(request);
    call->timeout_ = std::chrono::milliseconds(timeout_ms);
    call->deadline_ = clock_.Now() + call->timeout_;
    call->KeepRedactable();
    return call;
}

std::chrono::milliseconds ActionCall::Remaining() const {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock_->Now());
    return std::max(left, std::chrono::milliseconds(1));
}

http_client::OutboundRequest ActionCall::Attempt() const {
    http_client::OutboundRequest request = base_;
    request.url = oauth::AppendQuery(request.url, auth_query_);
    request.timeout = Remaining();
    request.headers.insert(request.headers.end(), auth_headers_.begin(), auth_headers_.end());
    for (const auto& header : auth_headers_) {
        request.credential_headers.push_back(header.first);
    }
    for (const auto& parameter : auth_query_) {
        request.credential_query.push_back(parameter.first);
    }
    return request;
}

http_client::OutboundRequest ActionCall::FirstRequest() const {
    return Attempt();
}

bool ActionCall::Retryable() const {
    if (action_->idempotent) {
        return *action_->idempotent;
    }
    const std::string& method = base_.method;
    return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
           method == "OPTIONS";
}

void ActionCall::KeepRedactable() {
    std::erase_if(secrets_, [](const std::string& secret) {
        return secret.size() < kShortestRedactedSecret;
    });
    // Longest first, so a placed value (`Bearer <token>`) is replaced whole before the bare
    // token inside it.
    std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
}

std::string ActionCall::Redact(std::string text) const {
    for (const auto& secret : secrets_) {
        for (auto at = text.find(secret); at != std::string::npos;
             at = text.find(secret, at + kRedacted.size())) {
            // Searching on after the marker: a secret such as "acte" occurs inside it.
            text.replace(at, secret.size(), kRedacted);
        }
    }
    return text;
}

Result<boost::json::object> ActionCall::Success(const http_client::OutboundResponse& answer) const {
    boost::json::object result{{"success", true}, {"statusCode", answer.status}};
    const std::string content_type(answer.Header("content-type").value_or(""));
    std::string body = Redact(answer.body);
    if (body.empty()) {
        result["result"] = "";
    } else if (IsJsonType(content_type) || content_type.empty()) {
        boost::system::error_code ec;
        auto parsed = boost::json::parse(body, ec);
        if (!ec) {
            result["result"] = std::move(parsed);
        } else {
            result["result"] = body;
        }
    } else if (IsTextType(content_type)) {
        result["result"] = body;
    } else {
        result["result"] = crypto::Base64Encode(body);
        result["resultEncoding"] = "base64";
    }
    return result;
}

Error ActionCall::UpstreamStatus(const http_client::OutboundResponse& answer) const {
    const std::string body = Redact(answer.body);
    Error error{.code = ErrorCode::kUpstreamError,
                .message = connector_->name + " answered HTTP " + std::to_string(answer.status)};
    error.extra["reason"] = "upstream_status";
    error.extra["statusCode"] = answer.status;
    error.extra["body"] = Truncate(body, kErrorBodyBytes);
    error.extra["bodyTruncated"] = body.size() > kErrorBodyBytes;
    return error;
}

Result<void> ActionCall::Reauthorize() {
    auto access = oauth_->EnsureFresh(credential_id_, credential_version_);
    if (!access) {
        return Fail(std::move(access.error()));
    }
    credential_version_ = access->version;
    auto placement = connectors::PlaceAccessToken(*auth_, access->access_token.Reveal());
    placement.values.emplace_back(std::string(access->refresh_token.Reveal()));
    auto injection = ToInjection(placement);
    auth_headers_ = std::move(injection.headers);
    auth_query_ = std::move(injection.query);
    // The old token stays in the list: a later answer may still echo it.
    secrets_.insert(secrets_.end(), injection.secrets.begin(), injection.secrets.end());
    KeepRedactable();
    return Ok();
}

bool ActionCall::OnOutcomeBlocks(const Result<http_client::OutboundResponse>& outcome) const {
    if (!outcome) {
        return false;
    }
    return (outcome->status == 401 && auth_->type == "oauth2" && !reauthorized_) ||
           outcome->body.size() > kInlineBodyBytes;
}

ActionStep ActionCall::OnOutcome(Result<http_client::OutboundResponse> outcome) {
    ++attempts_;
    const bool budget_left = attempts_ < connector_->retry.max_attempts && Retryable();
    // Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^(n-1))].
    auto backoff = [&] {
        const std::int64_t ceiling =
            std::min<std::int64_t>(connector_->retry.max_backoff_ms,
                                   static_cast<std::int64_t>(connector_->retry.initial_backoff_ms)
                                       << std::min(attempts_ - 1, 20));
        std::array<std::uint8_t, 4> random{};
        rng_->Fill(random);
        const std::uint32_t draw = (static_cast<std::uint32_t>(random[0]) << 24U) |
                                   (static_cast<std::uint32_t>(random[1]) << 16U) |
                                   (static_cast<std::uint32_t>(random[2]) << 8U) | random[3];
        return std::chrono::milliseconds(static_cast<std::int64_t>(draw) % (ceiling + 1));
    };
    auto again = [&](std::chrono::milliseconds delay) -> std::optional<ActionStep> {
        if (delay >= Remaining()) {
            return std::nullopt;  // no time left for another try
        }
        ActionStep step{.delay = delay};
        step.next = Attempt();
        step.next->timeout = std::max(Remaining() - delay, std::chrono::milliseconds(1));
        return step;
    };

    if (!outcome) {
        Error error = std::move(outcome.error());
        if (error.code == ErrorCode::kUpstreamTimeout) {
            Error timeout{.code = ErrorCode::kUpstreamTimeout,
                          .message = connector_->name + " did not answer within " +
                                     std::to_string(timeout_.count()) + " ms",
                          .detail = std::move(error.detail)};
            timeout.extra["timeoutMs"] = timeout_.count();
            return ActionStep{.result = Fail(std::move(timeout))};
        }
        const auto* reason = error.extra.if_contains("reason");
        if (budget_left && reason != nullptr && *reason == "connection_failed") {
            if (auto step = again(backoff())) {
                return std::move(*step);
            }
        }
        return ActionStep{.result = Fail(std::move(error))};
    }

    const auto& answer = *outcome;
    if (answer.status == 401 && auth_->type == "oauth2" && !reauthorized_) {
        reauthorized_ = true;
        if (auto refreshed = Reauthorize(); !refreshed) {
            return ActionStep{.result = Fail(std::move(refreshed.error()))};
        }
        if (auto step = again(std::chrono::milliseconds(0))) {
            return std::move(*step);
        }
    }
    if (answer.status >= 200 && answer.status < 300) {
        return ActionStep{.result = Success(answer)};
    }
    const auto& retry_on = connector_->retry.retry_on_status;
    if (budget_left &&
        std::find(retry_on.begin(), retry_on.end(), answer.status) != retry_on.end()) {
        if (auto step = again(RetryAfter(answer).value_or(backoff()))) {
            return std::move(*step);
        }
    }
    return ActionStep{.result = Fail(UpstreamStatus(answer))};
}

}  // namespace junction::service
