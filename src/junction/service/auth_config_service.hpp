#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/core/clock.hpp"
#include "junction/core/config.hpp"
#include "junction/core/ids.hpp"
#include "junction/core/result.hpp"
#include "junction/core/secret_string.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/service/principal.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// A create or (partial) update request; absent fields are kept (update) or defaulted (create).
struct AuthConfigInput {
    std::optional<std::string> connector_id{};
    std::optional<std::string> name{};
    std::optional<std::string> client_id{};
    std::optional<SecretString> client_secret{};
    std::optional<std::vector<std::string>> scopes{};
    std::optional<boost::json::object> extra_authorization_params{};  // string values
    std::optional<bool> is_default{};
};

struct AuthConfigPage {
    boost::json::array auth_configs{};
    std::int64_t total = 0;
};

/// An auth config opened for use in an OAuth exchange: the client secret in plaintext.
struct OAuthClient {
    std::string auth_config_id{};
    std::string client_id{};
    SecretString client_secret{};
    std::vector<std::string> scopes{};
    boost::json::object extra_authorization_params{};
};

/// Operators' OAuth clients per connector (API.md §3.6). Admin only. The client secret is
/// sealed before the store sees it and never leaves the service except through OpenClient.
/// Thread-safe; blocking pool only.
class AuthConfigService {
public:
    AuthConfigService(storage::Store& store,
                      const connectors::Catalog& catalog,
                      const crypto::SecretBox& secret_box,
                      const Clock& clock,
                      ObjectIdGenerator& ids,
                      const Config& config);

    /// kPermissionDenied (not admin); kConnectorNotFound; kInvalidArgument (connector without
    /// oauth2, missing fields); kAlreadyExists (name taken on the connector).
    [[nodiscard]] Result<boost::json::object> Create(const Principal& caller,
                                                     AuthConfigInput input);
    [[nodiscard]] Result<AuthConfigPage> List(const Principal& caller,
                                              const std::optional<std::string>& connector_id,
                                              const storage::PageRequest& page);
    /// kNotFound ("Auth config '<id>' not found").
    [[nodiscard]] Result<boost::json::object> Get(const Principal& caller, std::string_view id);
    /// Partial update; `connector_id` may not change (kInvalidArgument).
    [[nodiscard]] Result<boost::json::object> Update(const Principal& caller,
                                                     std::string_view id,
                                                     AuthConfigInput input);
    /// kFailedPrecondition (409, details.credentialCount) while credentials use it.
    [[nodiscard]] Result<void> Delete(const Principal& caller, std::string_view id);

    /// The auth config a new credential of `connector_id` uses: `requested` when given (must
    /// belong to the connector: kInvalidArgument), else the default; kInvalidArgument
    /// "Connector 'x' needs an auth config" when there is none.
    [[nodiscard]] Result<std::string> Choose(std::string_view connector_id,
                                             const std::optional<std::string>& requested);
    /// Decrypts an auth config for an exchange at the provider. kNotFound.
    [[nodiscard]] Result<OAuthClient> OpenClient(std::string_view id);
    /// Junction's callback URL for `connector_id` (what operators register at the provider).
    [[nodiscard]] std::string CallbackUrl(std::string_view connector_id) const;

private:
    [[nodiscard]] boost::json::object ToJson(const storage::AuthConfigRow& row) const;

    storage::Store& store_;
    const connectors::Catalog& catalog_;
    const crypto::SecretBox& secret_box_;
    const Clock& clock_;
    ObjectIdGenerator& ids_;
    const Config& config_;  // public_url is read per call: it is final only once listening
};

/// AAD of an auth config's sealed client secret: `junction/v1/auth_configs/<id>/client_secret`.
[[nodiscard]] std::string AuthConfigSecretAad(std::string_view auth_config_id);

/// The connector's oauth2 auth entry, or nullptr.
[[nodiscard]] const connectors::AuthSpec* FindOAuth2(const connectors::ConnectorSpec& connector);

}  // namespace junction::service
