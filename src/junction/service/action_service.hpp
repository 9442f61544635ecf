#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/core/clock.hpp"
#include "junction/core/result.hpp"
#include "junction/core/rng.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/http_client/http_client.hpp"
#include "junction/json/schema.hpp"
#include "junction/service/file_service.hpp"
#include "junction/service/oauth_service.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// What to do after an upstream attempt: send `next` after `delay`, or answer with `result`.
struct ActionStep {
    std::optional<http_client::OutboundRequest> next{};
    std::chrono::milliseconds delay{0};
    Result<boost::json::object> result{boost::json::object{}};
};

/// One execution of a connector action in flight (API.md §3.2): the prepared request, the
/// credential's secrets for injection and redaction, and the retry budget. The transport sends
/// each request without holding a thread and hands the outcome to OnOutcome (blocking pool:
/// it may refresh an OAuth token). Not thread-safe: one step at a time.
class ActionCall {
public:
    /// The first request to send.
    [[nodiscard]] http_client::OutboundRequest FirstRequest() const;
    /// Decides on retry, refresh-and-retry or the final answer.
    [[nodiscard]] ActionStep OnOutcome(Result<http_client::OutboundResponse> outcome);
    /// Whether OnOutcome(outcome) may block or do heavy work (an OAuth refresh, which reads
    /// the store and may call the token endpoint; a big body to redact and parse): then it
    /// belongs on the blocking pool. Otherwise it is short, in-memory work.
    [[nodiscard]] bool OnOutcomeBlocks(const Result<http_client::OutboundResponse>& outcome) const;

private:
    friend class ActionService;
    ActionCall() = default;

    [[nodiscard]] http_client::OutboundRequest Attempt() const;
    [[nodiscard]] bool Retryable() const;
    [[nodiscard]] std::chrono::milliseconds Remaining() const;
    /// Drops secrets too short to redact safely and orders the rest longest first.
    void KeepRedactable();
    [[nodiscard]] std::string Redact(std::string text) const;
    [[nodiscard]] Result<boost::json::object> Success(
        const http_client::OutboundResponse& answer) const;
    [[nodiscard]] Error UpstreamStatus(const http_client::OutboundResponse& answer) const;
    [[nodiscard]] Result<void> Reauthorize();

    OAuthService* oauth_ = nullptr;
    const Clock* clock_ = nullptr;
    Rng* rng_ = nullptr;
    const connectors::ConnectorSpec* connector_ = nullptr;
    const connectors::AuthSpec* auth_ = nullptr;
    const connectors::ActionSpec* action_ = nullptr;
    std::string credential_id_{};
    std::int64_t credential_version_ = 0;
    http_client::OutboundRequest base_{};                            // without credential injection
    std::vector<std::pair<std::string, std::string>> auth_query_{};  // appended per attempt
    std::vector<std::pair<std::string, std::string>> auth_headers_{};
    std::vector<std::string> secrets_{};  // redacted from anything echoed back
    std::chrono::milliseconds timeout_{30'000};
    TimePoint deadline_{};
    int attempts_ = 0;
    bool reauthorized_ = false;
};

/// Executes connector actions on a user's behalf (API.md §3.2). Thread-safe; Start runs on the
/// blocking pool.
class ActionService {
public:
    ActionService(storage::Store& store,
                  const connectors::Catalog& catalog,
                  const crypto::SecretBox& secret_box,
                  OAuthService& oauth,
                  FileService& files,
                  const Clock& clock,
                  Rng& rng,
                  std::size_t max_response_bytes);

    /// Validates the execute body against the action and the credential, and prepares the
    /// call. kConnectorNotFound, kActionNotFound, kCredentialNotFound, kNeedsReauth,
    /// kInvalidArgument (field errors, e.g. a file parameter naming another user's file),
    /// kUpstreamError (token refresh failed). A multipart action's `format: binary` body
    /// properties name the user's files (s3Key); their bytes are streamed from the file store.
    [[nodiscard]] Result<std::shared_ptr<ActionCall>> Start(const storage::UserRow& user,
                                                            std::string_view connector_id,
                                                            std::string_view action_id,
                                                            const boost::json::object& body);

private:
    /// The multipart parts of `body` (API.md §3.2 "Files in actions"); field errors go to
    /// `invalid`.
    [[nodiscard]] std::vector<http_client::MultipartPart> MultipartParts(
        const storage::UserRow& user,
        const connectors::ActionSpec& action,
        const boost::json::object& body,
        Error& invalid);
    /// The compiled requestBody schema of an action (compiled once; the catalog is immutable).
    [[nodiscard]] Result<const json::SchemaValidator*> BodySchema(
        const connectors::ActionSpec& action);

    storage::Store& store_;
    const connectors::Catalog& catalog_;
    const crypto::SecretBox& secret_box_;
    OAuthService& oauth_;
    FileService& files_;
    const Clock& clock_;
    Rng& rng_;
    std::size_t max_response_bytes_;

    std::mutex schemas_mutex_;
    // Guarded by schemas_mutex_.
    std::map<const connectors::ActionSpec*, std::unique_ptr<json::SchemaValidator>> schemas_;
};

}  // namespace junction::service
