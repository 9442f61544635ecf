#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/connectors/render.hpp"
#include "junction/core/clock.hpp"
#include "junction/core/ids.hpp"
#include "junction/core/result.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/http_client/http_client.hpp"
#include "junction/service/principal.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

class OAuthService;

struct CredentialPage {
    boost::json::array credentials{};
    std::int64_t total = 0;
};

/// How a create differs by surface: MCP's create_credential_alloy may start an OAuth flow
/// without a redirectUri (it ends on Junction's HTML page, API.md §4.5); REST requires one.
struct CredentialCreateOptions {
    bool redirect_uri_optional = false;
};

/// End users' credentials (API.md §3.3). Data is validated against the connector's
/// `inputSchema` and sealed with AES-256-GCM (AAD binds it to its row) before the store sees
/// it; no response ever carries it. Thread-safe; blocking pool only.
class CredentialService {
public:
    CredentialService(storage::Store& store,
                      const connectors::Catalog& catalog,
                      const crypto::SecretBox& secret_box,
                      const Clock& clock,
                      ObjectIdGenerator& ids,
                      OAuthService& oauth,
                      http_client::HttpClient& http);

    /// Creates a credential of `connector_id` for the owner named by the body's `userId` (else
    /// `effective_user`). kConnectorNotFound; kInvalidArgument with field errors (unknown
    /// authentication type, inputSchema violations, data limits); kPermissionDenied (a
    /// non-admin naming another owner); kNotFound (unknown owner or auth config).
    [[nodiscard]] Result<boost::json::object> Create(const Principal& caller,
                                                     const storage::UserRow& effective_user,
                                                     std::string_view connector_id,
                                                     boost::json::object body,
                                                     CredentialCreateOptions options = {});
    /// The user's credentials, newest first; never a secret.
    [[nodiscard]] Result<CredentialPage> List(const storage::UserRow& user,
                                              const std::optional<std::string>& connector_id,
                                              const storage::PageRequest& page);
    /// kNotFound unless the user owns it (and it belongs to the connector when given).
    [[nodiscard]] Result<void> Delete(const storage::UserRow& user,
                                      std::string_view credential_id,
                                      const std::optional<std::string>& connector_id);

private:
    // Calls the auth entry's `verify` request, if any (API.md §3.3): 401/403 → kInvalidArgument
    // (credential_verification_failed), another unexpected status → kUpstreamError.
    [[nodiscard]] Result<void> Verify(const connectors::ConnectorSpec& connector,
                                      const connectors::AuthSpec& auth,
                                      const boost::json::object& data);

    storage::Store& store_;
    const connectors::Catalog& catalog_;
    const crypto::SecretBox& secret_box_;
    const Clock& clock_;
    ObjectIdGenerator& ids_;
    OAuthService& oauth_;
    http_client::HttpClient& http_;
};

/// What credential metadata needs beyond the catalog: whether the connector has a default
/// OAuth client (else `authConfigRequired`) and its first auth config for the sample.
[[nodiscard]] Result<connectors::MetadataContext> MetadataContextFor(
    storage::AuthConfigStore& store,
    const connectors::ConnectorSpec& connector,
    const std::string& user_id);

/// AAD of a credential's sealed data: `junction/v1/credentials/<id>/secret`.
[[nodiscard]] std::string CredentialAad(std::string_view credential_id);

}  // namespace junction::service
