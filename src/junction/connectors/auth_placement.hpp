#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "junction/connectors/spec.hpp"
#include "junction/core/result.hpp"
#include "junction/core/secret_string.hpp"

namespace junction::connectors {

/// `text` with every `{{field}}` replaced by the string `data[field]`. kInvalidArgument naming
/// the field when `data` lacks it (the loader already checked that templates name declared
/// fields, so this means a credential without a required input).
[[nodiscard]] Result<std::string> ExpandTemplate(std::string_view text,
                                                 const boost::json::object& data);

/// Where a credential's secret goes in an upstream request (API.md §5.3). Values are secret:
/// callers put them on the wire and drop them.
struct AuthPlacement {
    std::vector<std::pair<std::string, SecretString>> headers{};
    std::vector<std::pair<std::string, SecretString>> query{};
    // basic: user and password, for `Authorization: Basic base64(user:password)` (the caller
    // encodes; this layer has no crypto).
    std::optional<std::pair<SecretString, SecretString>> basic{};
    // Every secret as the credential holds it, without a prefix such as `Bearer `: an upstream
    // may echo the bare value, so redaction needs it as well as the placed one.
    std::vector<SecretString> values{};
};

/// The placement of a key-type credential (apiKey, basic, bearer) from its `data`.
[[nodiscard]] Result<AuthPlacement> PlaceKeyCredential(const AuthSpec& auth,
                                                       const boost::json::object& data);
/// The placement of an OAuth access token (`inject`, default `Authorization: Bearer`).
[[nodiscard]] AuthPlacement PlaceAccessToken(const AuthSpec& auth, std::string_view access_token);

/// The auth entry's `verify` request (key types; API.md §3.3), if it declares one.
struct VerifySpec {
    std::string method{};
    std::string path{};
    std::vector<int> expect_status{};
};
[[nodiscard]] std::optional<VerifySpec> FindVerify(const AuthSpec& auth);

}  // namespace junction::connectors
