#include "junction/connectors/auth_placement.hpp"

#include <algorithm>
#include <cctype>

#include "junction/json/fields.hpp"

namespace junction::connectors {
namespace {

using json::StringOr;

// `inject: {in, name, prefix}` with the Authorization: Bearer default.
void Inject(const boost::json::object& config, SecretString value, AuthPlacement& placement) {
    boost::json::object inject;
    if (const auto* given = config.if_contains("inject"); given != nullptr && given->is_object()) {
        inject = given->as_object();
    }
    const std::string in = StringOr(inject, "in", "header");
    const std::string name = StringOr(inject, "name", "Authorization");
    placement.values.emplace_back(std::string(value.Reveal()));
    SecretString full(StringOr(inject, "prefix", in == "header" ? "Bearer " : "") +
                      std::string(value.Reveal()));
    if (in == "query") {
        placement.query.emplace_back(name, std::move(full));
    } else {
        placement.headers.emplace_back(name, std::move(full));
    }
}

}  // namespace

Result<std::string> ExpandTemplate(std::string_view text, const boost::json::object& data) {
    std::string expanded;
    std::size_t pos = 0;
    while (true) {
        const std::size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            expanded += text.substr(pos);
            return expanded;
        }
        const std::size_t close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            expanded += text.substr(pos);
            return expanded;
        }
        expanded += text.substr(pos, open - pos);
        const std::string_view name = text.substr(open + 2, close - open - 2);
        const auto* value = data.if_contains(name);
        if (value == nullptr || !value->is_string()) {
            return FailField("data." + std::string(name), "is required");
        }
        expanded += value->as_string();
        pos = close + 2;
    }
}

Result<AuthPlacement> PlaceKeyCredential(const AuthSpec& auth, const boost::json::object& data) {
    AuthPlacement placement;
    const auto& config = auth.config;
    if (auth.type == "apiKey") {
        auto value = ExpandTemplate(StringOr(config, "value", "{{apiKey}}"), data);
        if (!value) {
            return Fail(std::move(value.error()));
        }
        SecretString full(StringOr(config, "prefix", "") + *value);
        placement.values.emplace_back(std::move(*value));
        const std::string name = StringOr(config, "name", "X-Api-Key");
        if (StringOr(config, "in", "header") == "query") {
            placement.query.emplace_back(name, std::move(full));
        } else {
            placement.headers.emplace_back(name, std::move(full));
        }
        return placement;
    }
    if (auth.type == "basic") {
        auto user = ExpandTemplate(StringOr(config, "username", "{{username}}"), data);
        auto password = ExpandTemplate(StringOr(config, "password", "{{password}}"), data);
        if (!user) {
            return Fail(std::move(user.error()));
        }
        if (!password) {
            return Fail(std::move(password.error()));
        }
        placement.values.emplace_back(std::string(*password));
        placement.basic.emplace(SecretString(std::move(*user)), SecretString(std::move(*password)));
        return placement;
    }
    if (auth.type == "bearer") {
        auto value = ExpandTemplate(StringOr(config, "value", "{{token}}"), data);
        if (!value) {
            return Fail(std::move(value.error()));
        }
        Inject(config, SecretString(std::move(*value)), placement);
        return placement;
    }
    return Fail(ErrorCode::kInternal,
                "Internal server error",
                "no key placement for auth type '" + auth.type + "'");
}

AuthPlacement PlaceAccessToken(const AuthSpec& auth, std::string_view access_token) {
    AuthPlacement placement;
    Inject(auth.config, SecretString(std::string(access_token)), placement);
    return placement;
}

std::optional<VerifySpec> FindVerify(const AuthSpec& auth) {
    const auto* verify = auth.config.if_contains("verify");
    if (verify == nullptr || !verify->is_object()) {
        return std::nullopt;
    }
    const auto& object = verify->as_object();
    VerifySpec spec{.method = StringOr(object, "method", "GET"),
                    .path = StringOr(object, "path", "/")};
    std::transform(spec.method.begin(), spec.method.end(), spec.method.begin(), [](char c) {
        return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    });
    if (const auto* statuses = object.if_contains("expect_status");
        statuses != nullptr && statuses->is_array()) {
        for (const auto& status : statuses->as_array()) {
            if (status.is_int64()) {
                spec.expect_status.push_back(static_cast<int>(status.as_int64()));
            }
        }
    }
    if (spec.expect_status.empty()) {
        spec.expect_status.push_back(200);
    }
    return spec;
}

}  // namespace junction::connectors
