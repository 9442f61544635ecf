#include "junction/connectors/openapi_import.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/stream_parser.hpp>

#include "junction/core/ascii.hpp"
#include "junction/json/fields.hpp"
#include "junction/json/yaml.hpp"

namespace junction::connectors {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using json::StringOr;

// API.md §5.6: `$ref`s are inlined, a chain deeper than this is cut to {"type":"object"}.
constexpr int kMaxRefDepth = 10;
// Inlining is exponential in the worst case (a schema reachable twice from each of its
// parents); past this many JSON values in one schema, further `$ref`s are cut as well.
constexpr std::size_t kMaxSchemaValues = 250'000;
constexpr std::size_t kMaxActionIdLength = 120;  // schema allows 128; leaves room for "_N"
constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxDescriptionLength = 1000;
constexpr std::string_view kAnyHostPattern = "^[A-Za-z0-9.-]+$";
constexpr std::string_view kPlaceholderBaseUrl = "https://api.example.com";

// Operation keys of a path item, in the order actions are emitted.
constexpr std::array<std::string_view, 8> kMethods{
    "get", "put", "post", "delete", "patch", "head", "options", "trace"};
// The catalog's httpMethod pattern admits these only.
constexpr std::array<std::string_view, 6> kCatalogMethods{
    "get", "put", "post", "delete", "patch", "head"};

constexpr std::array<std::string_view, 7> kJsonTypes{
    "string", "number", "integer", "boolean", "object", "array", "null"};

// Concatenation without temporaries: Cat({label, ": parameter '", name, "' skipped"}).
std::string Cat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (const std::string_view part : parts) {
        out.append(part);
    }
    return out;
}

std::string Upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(std::toupper(c));
    });
    return out;
}

std::string Trim(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) {
        return {};
    }
    return std::string(text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1));
}

bool IsAlnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// At most `limit` bytes, cut before a UTF-8 continuation byte.
std::string Truncate(std::string text, std::size_t limit) {
    if (text.size() <= limit) {
        return text;
    }
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
        --end;
    }
    text.resize(end);
    return text;
}

// "Pull Requests" → "pull-requests": lowercase, runs of other characters → "-".
std::string Slug(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (IsAlnum(c) || c == '_') {
            out += AsciiLower(c);
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
    }
    while (!out.empty() && out.back() == '-') {
        out.pop_back();
    }
    return out;
}

// operationId → action id: characters outside [A-Za-z0-9_-] → "_" (API.md §5.6); a leading
// "-" (which the id pattern forbids) → "_".
std::string SanitizeId(std::string_view operation_id) {
    std::string out;
    for (const char c : operation_id) {
        out += IsAlnum(c) || c == '_' || c == '-' ? c : '_';
    }
    if (!out.empty() && out.front() == '-') {
        out.front() = '_';
    }
    return Truncate(std::move(out), kMaxActionIdLength);
}

// "/repos/{owner}/{repo}" → "repos_owner_repo".
std::string PathSlug(std::string_view path) {
    std::string out;
    for (const char c : path) {
        if (IsAlnum(c)) {
            out += c;
        } else if (!out.empty() && out.back() != '_') {
            out += '_';
        }
    }
    while (!out.empty() && out.back() == '_') {
        out.pop_back();
    }
    return out;
}

bool IsFieldName(std::string_view name) {
    static const std::regex pattern("^[A-Za-z][A-Za-z0-9_]{0,63}$");
    return std::regex_match(name.begin(), name.end(), pattern);
}

bool IsHostSafe(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return IsAlnum(c) || c == '.' || c == '-';
    });
}

// `{name}` placeholders of a path or server URL (single braces).
std::vector<std::string> Placeholders(std::string_view text) {
    std::vector<std::string> names;
    for (std::size_t pos = text.find('{'); pos != std::string_view::npos;
         pos = text.find('{', pos + 1)) {
        const std::size_t end = text.find('}', pos);
        if (end == std::string_view::npos) {
            break;
        }
        names.emplace_back(text.substr(pos + 1, end - pos - 1));
    }
    return names;
}

bool PatternCompiles(std::string_view pattern) {
    try {
        const std::regex compiled{std::string(pattern)};
        (void)compiled;
        return true;
    } catch (const std::regex_error&) {
        return false;
    }
}

// "application/json", "application/json; charset=utf-8", "application/vnd.api+json".
bool IsJsonMediaType(std::string_view media_type) {
    const std::string type = AsciiLowercase(Trim(media_type.substr(0, media_type.find(';'))));
    return type == "application/json" ||
           (type.starts_with("application/") && type.ends_with("+json"));
}

bool IsNonNegativeInteger(const value& v) {
    return (v.is_int64() && v.as_int64() >= 0) || v.is_uint64();
}

bool Contains(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

void AppendUnique(array& list, std::string_view item) {
    if (std::find(list.begin(), list.end(), value(item)) == list.end()) {
        list.emplace_back(item);
    }
}

// Credential fields the loader gives each auth type when `fields` is absent (catalog.cpp);
// spelled out here because server variables add fields, and `fields` replaces the defaults.
array DefaultFields(std::string_view type) {
    auto field = [](std::string_view name, std::string_view description, bool secret) {
        object out{{"name", name}, {"description", description}};
        if (secret) {
            out["secret"] = true;
        }
        return out;
    };
    if (type == "apiKey") {
        return {field("apiKey", "API key", true)};
    }
    if (type == "basic") {
        return {field("username", "Username", false), field("password", "Password", true)};
    }
    if (type == "bearer") {
        return {field("token", "Access token", true)};
    }
    return {};
}

// A parameter location the credential fills, so the action need not declare it.
struct Injected {
    std::string in;    // header | query
    std::string name;  // lowercase for headers
};

class Importer {
public:
    Importer(const object& root, const ImportOptions& options) : root_(root), options_(options) {}

    Result<ConnectorDocument> Run() {
        object connector;
        connector["id"] = options_.id;
        const object* info = Object(root_, "info");
        const std::string title = info != nullptr ? Trim(StringOr(*info, "title")) : "";
        connector["name"] = Truncate(title.empty() ? options_.id : title, kMaxNameLength);
        if (const std::string description = ConnectorDescription(info); !description.empty()) {
            connector["description"] = description;
        }
        if (info != nullptr) {
            if (const object* logo = Object(*info, "x-logo")) {
                if (const std::string url = StringOr(*logo, "url"); url.starts_with("https://")) {
                    connector["icon"] = url;
                }
            }
        }
        connector["categories"] = Categories(info);
        std::vector<object> variable_fields;
        connector["base_url"] = BaseUrl(variable_fields);
        connector["auth"] = Auth(variable_fields);

        array resources = Resources();
        if (action_count_ == 0) {
            return Fail(
                ErrorCode::kInvalidArgument,
                "The OpenAPI document has no operation to import" +
                    std::string(options_.include_tags.empty() && options_.include_operations.empty()
                                    ? ""
                                    : " (check --include-tags/--include-operations)"));
        }
        connector["resources"] = std::move(resources);
        return ConnectorDocument{.connector = std::move(connector),
                                 .warnings = std::move(warnings_)};
    }

private:
    struct Resource {
        object header;  // name, displayName, description
        array actions;
    };

    void Warn(std::string message) {
        if (warned_.insert(message).second) {
            warnings_.push_back(std::move(message));
        }
    }

    static const object* Object(const object& parent, std::string_view key) {
        const value* found = parent.if_contains(key);
        return found != nullptr ? found->if_object() : nullptr;
    }

    // A local JSON pointer ("#/components/schemas/x"); nullptr when it leads nowhere.
    const value* Resolve(std::string_view ref) const {
        if (!ref.starts_with("#")) {
            return nullptr;
        }
        ref.remove_prefix(1);
        const value* node = nullptr;
        const object* current_object = &root_;
        const array* current_array = nullptr;
        while (!ref.empty()) {
            if (ref.front() != '/') {
                return nullptr;
            }
            ref.remove_prefix(1);
            const std::size_t end = ref.find('/');
            std::string token(ref.substr(0, end));
            ref = end == std::string_view::npos ? std::string_view{} : ref.substr(end);
            for (std::size_t pos = 0; (pos = token.find('~', pos)) != std::string::npos; ++pos) {
                if (pos + 1 < token.size() && (token[pos + 1] == '0' || token[pos + 1] == '1')) {
                    token.replace(pos, 2, token[pos + 1] == '0' ? "~" : "/");
                }
            }
            if (current_object != nullptr) {
                node = current_object->if_contains(token);
            } else if (current_array != nullptr && !token.empty() &&
                       std::all_of(token.begin(), token.end(), ::isdigit)) {
                const auto index = static_cast<std::size_t>(std::stoul(token));
                node = index < current_array->size() ? &(*current_array)[index] : nullptr;
            } else {
                node = nullptr;
            }
            if (node == nullptr) {
                return nullptr;
            }
            current_object = node->if_object();
            current_array = node->if_array();
        }
        return node;
    }

    // Follows `$ref`s of a non-schema object (parameter, request body, response, path item).
    const object* Deref(const value& v) {
        const value* current = &v;
        for (int depth = 0; depth <= kMaxRefDepth; ++depth) {
            const object* as_object = current->if_object();
            if (as_object == nullptr) {
                return nullptr;
            }
            const value* ref = as_object->if_contains("$ref");
            if (ref == nullptr || !ref->is_string()) {
                return as_object;
            }
            current = Resolve(ref->as_string());
            if (current == nullptr) {
                Warn("$ref '" + std::string(ref->as_string()) + "' cannot be resolved; skipped");
                return nullptr;
            }
        }
        return nullptr;
    }

    // ---- Schemas --------------------------------------------------------------------------

    // The catalog's form of an OpenAPI schema: `$ref`s inlined and only JSON Schema keywords
    // the catalog compiles (draft 7) kept.
    value TopSchema(const value& schema, const std::string& where) {
        schema_values_ = 0;
        budget_hit_ = false;
        value out = Schema(schema, 0);
        if (budget_hit_) {
            Warn(where + ": schema too large once inlined; deep $refs cut to {type: object}");
        }
        return out;
    }

    value Schema(const value& input, int depth) {
        ++schema_values_;
        if (input.is_bool()) {  // 3.1 boolean schemas
            return input.as_bool() ? object{} : object{{"not", object{}}};
        }
        const object* schema = input.if_object();
        if (schema == nullptr) {
            return object{};
        }
        if (const value* ref = schema->if_contains("$ref"); ref != nullptr && ref->is_string()) {
            return RefSchema(*schema, ref->as_string(), depth);
        }
        object out;
        bool nullable = false;
        for (const auto& [key, v] : *schema) {
            Keyword(out, key, v, depth, nullable);
        }
        FixUp(out, *schema, nullable);
        return out;
    }

    value RefSchema(const object& schema, std::string_view ref, int depth) {
        if (depth >= kMaxRefDepth || schema_values_ > kMaxSchemaValues) {
            budget_hit_ = budget_hit_ || schema_values_ > kMaxSchemaValues;
            return object{{"type", "object"}};
        }
        const value* target = Resolve(ref);
        if (target == nullptr) {
            Warn("$ref '" + std::string(ref) + "' cannot be resolved; replaced by {type: object}");
            return object{{"type", "object"}};
        }
        value out = Schema(*target, depth + 1);
        if (schema.size() > 1 && out.is_object()) {  // 3.1: keywords beside $ref apply too
            object siblings = schema;
            siblings.erase("$ref");
            value extra = Schema(siblings, depth);
            for (const auto& [key, v] : extra.as_object()) {
                out.as_object()[key] = v;
            }
        }
        return out;
    }

    value SchemaMap(const value& v, int depth, bool keys_are_patterns) {
        object out;
        if (const object* map = v.if_object()) {
            for (const auto& [key, item] : *map) {
                if (!keys_are_patterns || PatternCompiles(key)) {
                    out[key] = Schema(item, depth);
                }
            }
        }
        return out;
    }

    std::optional<value> SchemaList(const value& v, int depth) {
        const array* list = v.if_array();
        if (list == nullptr || list->empty()) {
            return std::nullopt;
        }
        array out;
        out.reserve(list->size());
        for (const auto& item : *list) {
            out.push_back(Schema(item, depth));
        }
        return out;
    }

    // Copies one keyword into `out` when the catalog's JSON Schema dialect knows it and its
    // value has the right shape; OpenAPI-only keywords (discriminator, xml, example,
    // externalDocs, x-*) are dropped.
    void Keyword(object& out, std::string_view key, const value& v, int depth, bool& nullable) {
        if (key == "properties" || key == "patternProperties") {
            out[key] = SchemaMap(v, depth, key == "patternProperties");
        } else if (key == "additionalProperties" || key == "additionalItems") {
            out[key] = v.is_bool() ? v : Schema(v, depth);
        } else if (key == "items") {
            if (v.is_array()) {
                if (auto list = SchemaList(v, depth)) {
                    out[key] = std::move(*list);
                }
            } else {
                out[key] = Schema(v, depth);
            }
        } else if (key == "not" || key == "contains" || key == "propertyNames" || key == "if" ||
                   key == "then" || key == "else") {
            out[key] = Schema(v, depth);
        } else if (key == "allOf" || key == "anyOf" || key == "oneOf" || key == "prefixItems") {
            if (auto list = SchemaList(v, depth)) {
                out[key] = std::move(*list);
            }
        } else if (key == "type") {
            Type(out, v);
        } else if (key == "nullable") {
            nullable = v.is_bool() && v.as_bool();
        } else if (key == "enum") {
            if (v.is_array() && !v.as_array().empty()) {
                out[key] = v;
            }
        } else if (key == "const" || key == "default") {
            out[key] = v;
        } else if (key == "multipleOf") {
            if (v.is_number() && v.to_number<double>() > 0) {
                out[key] = v;
            }
        } else if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" ||
                   key == "exclusiveMaximum") {
            if (v.is_number()) {
                out[key] = v;
            }
        } else if (key == "minLength" || key == "maxLength" || key == "minItems" ||
                   key == "maxItems" || key == "minProperties" || key == "maxProperties") {
            if (IsNonNegativeInteger(v)) {
                out[key] = v;
            }
        } else if (key == "uniqueItems" || key == "readOnly" || key == "writeOnly" ||
                   key == "deprecated") {
            if (v.is_bool()) {
                out[key] = v;
            }
        } else if (key == "pattern") {
            if (v.is_string() && PatternCompiles(v.as_string())) {
                out[key] = v;
            }
        } else if (key == "required") {
            Required(out, v);
        } else if (key == "title" || key == "description" || key == "format" ||
                   key == "contentMediaType" || key == "contentEncoding") {
            if (v.is_string()) {
                out[key] = v;
            }
        } else if (key == "examples") {
            if (v.is_array()) {
                out[key] = v;
            }
        }
    }

    static void Type(object& out, const value& v) {
        auto known = [](const value& t) {
            return t.is_string() && std::find(kJsonTypes.begin(),
                                              kJsonTypes.end(),
                                              std::string_view(t.as_string())) != kJsonTypes.end();
        };
        if (known(v)) {
            out["type"] = v;
        } else if (const array* types = v.if_array()) {  // 3.1 type arrays
            array kept;
            for (const auto& t : *types) {
                if (known(t)) {
                    AppendUnique(kept, t.as_string());
                }
            }
            if (!kept.empty()) {
                out["type"] = std::move(kept);
            }
        }
    }

    static void Required(object& out, const value& v) {
        const array* names = v.if_array();
        if (names == nullptr) {
            return;  // Swagger-style `required: true` inside a schema
        }
        array kept;
        for (const auto& name : *names) {
            if (name.is_string()) {
                AppendUnique(kept, name.as_string());
            }
        }
        if (!kept.empty()) {
            out["required"] = std::move(kept);
        }
    }

    // 3.0 spellings → JSON Schema: `nullable: true` widens `type` (and `enum`) with null;
    // boolean exclusiveMinimum/exclusiveMaximum move the bound; 2020-12 prefixItems → items.
    static void FixUp(object& out, const object& schema, bool nullable) {
        if (nullable) {
            if (value* type = out.if_contains("type")) {
                if (type->is_string()) {
                    *type = array{*type, "null"};
                } else if (type->is_array()) {
                    AppendUnique(type->as_array(), "null");
                }
                if (value* values = out.if_contains("enum"); values != nullptr) {
                    if (std::find(values->as_array().begin(),
                                  values->as_array().end(),
                                  value(nullptr)) == values->as_array().end()) {
                        values->as_array().emplace_back(nullptr);
                    }
                }
            }
        }
        for (const auto& [exclusive, bound] :
             {std::pair<std::string_view, std::string_view>{"exclusiveMinimum", "minimum"},
              {"exclusiveMaximum", "maximum"}}) {
            const value* flag = schema.if_contains(exclusive);
            if (flag != nullptr && flag->is_bool()) {
                out.erase(exclusive);
                if (flag->as_bool() && out.contains(bound)) {
                    out[exclusive] = out[bound];
                    out.erase(bound);
                }
            }
        }
        if (value* prefix = out.if_contains("prefixItems")) {
            value items = std::move(*prefix);
            out.erase("prefixItems");
            if (value* rest = out.if_contains("items")) {
                out["additionalItems"] = std::move(*rest);
            }
            out["items"] = std::move(items);
        }
    }

    // ---- Connector-level keys -------------------------------------------------------------

    static std::string ConnectorDescription(const object* info) {
        if (info == nullptr) {
            return {};
        }
        std::string text = Trim(StringOr(*info, "summary"));
        if (text.empty()) {
            text = Trim(StringOr(*info, "description"));
            text = Trim(text.substr(0, text.find("\n\n")));  // first paragraph
        }
        return Truncate(std::move(text), kMaxDescriptionLength);
    }

    static array Categories(const object* info) {
        array categories;
        if (info != nullptr) {
            if (const value* listed = info->if_contains("x-apisguru-categories");
                listed != nullptr && listed->is_array()) {
                for (const auto& item : listed->as_array()) {
                    if (item.is_string()) {
                        if (std::string slug = Slug(item.as_string()); !slug.empty()) {
                            std::replace(slug.begin(), slug.end(), '_', '-');
                            AppendUnique(categories, slug);
                        }
                    }
                }
            }
        }
        if (categories.empty()) {
            categories.emplace_back("imported");
        }
        return categories;
    }

    // servers[0].url: variables in the host or path whose default is host-safe become
    // `{{placeholders}}` with a field (pattern limited to [A-Za-z0-9.-], default as example);
    // others (e.g. in the scheme) take their default.
    std::string BaseUrl(std::vector<object>& fields) {
        const value* servers = root_.if_contains("servers");
        const object* server = nullptr;
        if (servers != nullptr && servers->is_array() && !servers->as_array().empty()) {
            server = servers->as_array().front().if_object();
        }
        std::string url = server != nullptr ? StringOr(*server, "url") : "";
        if (url.empty()) {
            Warn("The document has no servers; base_url is " + std::string(kPlaceholderBaseUrl) +
                 ", edit it");
            return std::string(kPlaceholderBaseUrl);
        }
        // The catalog's base_url has no white space (found by tests/fuzz/openapi_import_fuzz:
        // the import wrote a file the catalog refused).
        if (url.find_first_of(" \t\r\n\f\v") != std::string::npos) {
            Warn("servers[0].url contains white space; base_url is " +
                 std::string(kPlaceholderBaseUrl) + ", edit it");
            return std::string(kPlaceholderBaseUrl);
        }
        const object* variables = server != nullptr ? Object(*server, "variables") : nullptr;
        const std::size_t scheme_end = url.find("://");
        std::string out;
        std::size_t pos = 0;
        while (pos < url.size()) {
            const std::size_t open = url.find('{', pos);
            const std::size_t close =
                open == std::string::npos ? std::string::npos : url.find('}', open);
            if (close == std::string::npos) {
                out += url.substr(pos);
                break;
            }
            out += url.substr(pos, open - pos);
            const std::string name = url.substr(open + 1, close - open - 1);
            const object* variable = variables != nullptr ? Object(*variables, name) : nullptr;
            const std::string fallback = variable != nullptr ? StringOr(*variable, "default") : "";
            const bool in_scheme = scheme_end != std::string::npos && open < scheme_end;
            if (!in_scheme && IsFieldName(name) && (fallback.empty() || IsHostSafe(fallback))) {
                out += "{{" + name + "}}";
                if (std::none_of(fields.begin(), fields.end(), [&](const object& field) {
                        return field.at("name") == value(name);
                    })) {
                    fields.push_back(VariableField(name, variable, fallback));
                }
            } else {
                out += fallback;
            }
            pos = close + 1;
        }
        while (out.size() > 1 && out.back() == '/') {
            out.pop_back();
        }
        if (!out.starts_with("https://") && !out.starts_with("http://")) {
            Warn("servers[0].url '" + url + "' is not an absolute http(s) URL; base_url is " +
                 std::string(kPlaceholderBaseUrl) + out + ", edit it");
            out = std::string(kPlaceholderBaseUrl) + (out.starts_with("/") ? out : "/" + out);
            while (out.size() > 1 && out.back() == '/') {
                out.pop_back();
            }
        }
        return out;
    }

    static object VariableField(const std::string& name,
                                const object* variable,
                                const std::string& fallback) {
        object field{{"name", name}};
        const std::string description =
            variable != nullptr ? StringOr(*variable, "description") : "";
        field["description"] = description.empty() ? "Server variable " + name : description;
        std::string pattern = std::string(kAnyHostPattern);
        if (variable != nullptr) {
            if (const value* choices = variable->if_contains("enum");
                choices != nullptr && choices->is_array() && !choices->as_array().empty()) {
                std::string alternatives;
                bool safe = true;
                for (const auto& choice : choices->as_array()) {
                    safe = safe && choice.is_string() && IsHostSafe(choice.as_string());
                    if (safe) {
                        std::string escaped;
                        for (const char c : choice.as_string()) {
                            escaped += c == '.' ? std::string("\\.") : std::string(1, c);
                        }
                        alternatives += (alternatives.empty() ? "" : "|") + escaped;
                    }
                }
                if (safe) {
                    pattern = "^(" + alternatives + ")$";
                }
            }
        }
        field["pattern"] = pattern;
        if (!fallback.empty()) {
            field["example"] = fallback;
        }
        return field;
    }

    // securitySchemes → auth entries, in document order.
    array Auth(const std::vector<object>& variable_fields) {
        array auth;
        const object* components = Object(root_, "components");
        const object* schemes =
            components != nullptr ? Object(*components, "securitySchemes") : nullptr;
        if (schemes != nullptr) {
            for (const auto& [name, raw] : *schemes) {
                const object* scheme = Deref(raw);
                if (scheme == nullptr) {
                    continue;
                }
                if (std::optional<object> entry = AuthEntry(name, *scheme)) {
                    auth.emplace_back(std::move(*entry));
                }
            }
        }
        if (auth.empty()) {
            Warn(
                "No supported security scheme in the document; added a bearer auth entry, edit "
                "it");
            auth.emplace_back(object{{"type", "bearer"}});
            injected_.push_back(Injected{.in = "header", .name = "authorization"});
        }
        if (!variable_fields.empty()) {
            for (auto& entry : auth) {
                array fields = DefaultFields(StringOr(entry.as_object(), "type"));
                for (const auto& field : variable_fields) {
                    fields.emplace_back(field);
                }
                entry.as_object()["fields"] = std::move(fields);
            }
        }
        return auth;
    }

    std::optional<object> AuthEntry(std::string_view name, const object& scheme) {
        const std::string type = StringOr(scheme, "type");
        const std::string label = "security scheme '" + std::string(name) + "'";
        if (type == "apiKey") {
            const std::string in = StringOr(scheme, "in");
            const std::string header = StringOr(scheme, "name");
            if ((in != "header" && in != "query") || header.empty()) {
                Warn("Unsupported " + label + " (apiKey in '" + in + "'); skipped");
                return std::nullopt;
            }
            injected_.push_back(
                Injected{.in = in, .name = in == "header" ? AsciiLowercase(header) : header});
            return object{{"type", "apiKey"}, {"in", in}, {"name", header}};
        }
        if (type == "http") {
            const std::string http = AsciiLowercase(StringOr(scheme, "scheme"));
            if (http == "basic" || http == "bearer") {
                injected_.push_back(Injected{.in = "header", .name = "authorization"});
                return object{{"type", http}};
            }
            Warn("Unsupported " + label + " (http " + http + "); skipped");
            return std::nullopt;
        }
        if (type == "oauth2") {
            const object* flows = Object(scheme, "flows");
            const object* code = flows != nullptr ? Object(*flows, "authorizationCode") : nullptr;
            if (code == nullptr) {
                Warn("Unsupported " + label +
                     " (oauth2 without an authorizationCode flow); "
                     "skipped");
                return std::nullopt;
            }
            const std::string authorization_url = StringOr(*code, "authorizationUrl");
            const std::string token_url = StringOr(*code, "tokenUrl");
            auto absolute = [](const std::string& url) {
                return url.starts_with("https://") || url.starts_with("http://");
            };
            if (!absolute(authorization_url) || !absolute(token_url)) {
                Warn("Unsupported " + label + " (oauth2 URLs must be absolute); skipped");
                return std::nullopt;
            }
            object entry{{"type", "oauth2"},
                         {"authorization_url", authorization_url},
                         {"token_url", token_url}};
            array scopes;
            if (const object* declared = Object(*code, "scopes")) {
                for (const auto& item : *declared) {
                    scopes.emplace_back(item.key());
                }
            }
            if (!scopes.empty()) {
                entry["scopes"] = std::move(scopes);
            }
            oauth2_schemes_.insert(std::string(name));
            injected_.push_back(Injected{.in = "header", .name = "authorization"});
            return entry;
        }
        Warn("Unsupported " + label + " (" + (type.empty() ? std::string("no type") : type) +
             "); skipped");
        return std::nullopt;
    }

    // ---- Operations -----------------------------------------------------------------------

    array Resources() {
        std::map<std::string, std::string> tag_descriptions;
        if (const value* tags = root_.if_contains("tags"); tags != nullptr && tags->is_array()) {
            for (const auto& tag : tags->as_array()) {
                if (const object* t = tag.if_object()) {
                    tag_descriptions.emplace(StringOr(*t, "name"), StringOr(*t, "description"));
                }
            }
        }
        std::vector<Resource> resources;
        std::map<std::string, std::size_t> by_name;
        const object* paths = Object(root_, "paths");
        if (paths == nullptr) {
            return {};
        }
        for (const auto& [path, raw_item] : *paths) {
            const object* item = Deref(raw_item);
            if (item == nullptr) {
                continue;
            }
            for (const std::string_view method : kMethods) {
                const value* raw_operation = item->if_contains(method);
                if (raw_operation == nullptr || !raw_operation->is_object()) {
                    continue;
                }
                const object& operation = raw_operation->as_object();
                std::vector<std::string> tags;
                if (const value* listed = operation.if_contains("tags");
                    listed != nullptr && listed->is_array()) {
                    for (const auto& tag : listed->as_array()) {
                        if (tag.is_string()) {
                            tags.emplace_back(tag.as_string());
                        }
                    }
                }
                const std::string operation_id = StringOr(operation, "operationId");
                std::string id =
                    operation_id.empty()
                        ? Truncate(std::string(method) + (PathSlug(path).empty() ? "" : "_") +
                                       PathSlug(path),
                                   kMaxActionIdLength)
                        : SanitizeId(operation_id);
                if (!Selected(tags, operation_id, id)) {
                    continue;
                }
                const std::string label = Upper(method) + " " + std::string(path);
                if (std::find(kCatalogMethods.begin(), kCatalogMethods.end(), method) ==
                    kCatalogMethods.end()) {
                    Warn("Skipped " + label + ": the catalog has no " + Upper(method) + " actions");
                    continue;
                }
                // OpenAPI paths start with '/', and so must a catalog action's (found by
                // tests/fuzz/openapi_import_fuzz: the import wrote a file the catalog refused).
                if (path.empty() || path.front() != '/') {
                    Warn("Skipped " + label + ": the path does not start with '/'");
                    continue;
                }
                id = UniqueId(std::move(id));
                const std::string tag = tags.empty() ? "" : tags.front();
                std::string resource_name = Slug(tag);
                if (resource_name.empty()) {
                    resource_name = "default";
                }
                auto [it, inserted] = by_name.emplace(resource_name, resources.size());
                if (inserted) {
                    Resource resource;
                    resource.header["name"] = resource_name;
                    resource.header["displayName"] = tag.empty() ? "Default" : tag;
                    if (const auto found = tag_descriptions.find(tag);
                        found != tag_descriptions.end() && !Trim(found->second).empty()) {
                        resource.header["description"] = Trim(found->second);
                    }
                    resources.push_back(std::move(resource));
                }
                resources[it->second].actions.emplace_back(
                    Action(id, method, path, *item, operation, label));
                ++action_count_;
            }
        }
        array out;
        for (auto& resource : resources) {
            object entry = std::move(resource.header);
            entry["actions"] = std::move(resource.actions);
            out.emplace_back(std::move(entry));
        }
        return out;
    }

    bool Selected(const std::vector<std::string>& tags,
                  const std::string& operation_id,
                  const std::string& id) const {
        auto named = [&](const std::vector<std::string>& list) {
            return (!operation_id.empty() && Contains(list, operation_id)) || Contains(list, id);
        };
        const bool filtered =
            !options_.include_tags.empty() || !options_.include_operations.empty();
        const bool tagged = std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
            return Contains(options_.include_tags, tag) ||
                   Contains(options_.include_tags, Slug(tag));
        });
        if (filtered && !tagged && !named(options_.include_operations)) {
            return false;
        }
        return !named(options_.exclude_operations);
    }

    std::string UniqueId(std::string id) {
        if (used_ids_.insert(id).second) {
            return id;
        }
        for (int n = 2;; ++n) {
            std::string candidate = id + "_" + std::to_string(n);
            if (used_ids_.insert(candidate).second) {
                return candidate;
            }
        }
    }

    object Action(const std::string& id,
                  std::string_view method,
                  std::string_view path,
                  const object& item,
                  const object& operation,
                  const std::string& label) {
        object action;
        action["id"] = id;
        const std::string summary = Trim(StringOr(operation, "summary"));
        const std::string description = Trim(StringOr(operation, "description"));
        action["displayName"] = summary.empty() ? id : summary;
        if (!description.empty() || !summary.empty()) {
            action["description"] = description.empty() ? summary : description;
        }
        action["httpMethod"] = Upper(method);
        action["path"] = path;
        if (array scopes = Scopes(operation); !scopes.empty()) {
            action["scopes"] = std::move(scopes);
        }
        std::optional<std::pair<std::string, value>> body = RequestBody(operation, label);
        if (body && !body->first.empty()) {
            action["requestContentType"] = body->first;
        }
        if (array parameters = Parameters(path, item, operation, label); !parameters.empty()) {
            action["parameters"] = std::move(parameters);
        }
        if (body) {
            action["requestBody"] = std::move(body->second);
        }
        if (std::optional<value> response = ResponseSchema(operation, label)) {
            action["responseSchema"] = std::move(*response);
        }
        return action;
    }

    array Scopes(const object& operation) const {
        const value* security = operation.if_contains("security");
        if (security == nullptr) {
            security = root_.if_contains("security");
        }
        array scopes;
        if (security == nullptr || !security->is_array()) {
            return scopes;
        }
        for (const auto& requirement : security->as_array()) {
            if (const object* schemes = requirement.if_object()) {
                for (const auto& [scheme, listed] : *schemes) {
                    if (!oauth2_schemes_.contains(std::string(scheme)) || !listed.is_array()) {
                        continue;
                    }
                    for (const auto& scope : listed.as_array()) {
                        if (scope.is_string()) {
                            AppendUnique(scopes, scope.as_string());
                        }
                    }
                }
            }
        }
        return scopes;
    }

    bool IsInjected(std::string_view in, std::string_view name) const {
        const std::string key = in == "header" ? AsciiLowercase(name) : std::string(name);
        return std::any_of(injected_.begin(), injected_.end(), [&](const Injected& injected) {
            return injected.in == in && injected.name == key;
        });
    }

    array Parameters(std::string_view path,
                     const object& item,
                     const object& operation,
                     const std::string& label) {
        // Path-item parameters first; an operation parameter with the same name and `in`
        // replaces it (OpenAPI 3 §4.8.10).
        std::vector<const object*> declared;
        for (const object* level : {&item, &operation}) {
            const value* list = level->if_contains("parameters");
            if (list == nullptr || !list->is_array()) {
                continue;
            }
            for (const auto& raw : list->as_array()) {
                const object* parameter = Deref(raw);
                if (parameter == nullptr) {
                    continue;
                }
                const auto same =
                    std::find_if(declared.begin(), declared.end(), [&](const object* p) {
                        return StringOr(*p, "name") == StringOr(*parameter, "name") &&
                               StringOr(*p, "in") == StringOr(*parameter, "in");
                    });
                if (same != declared.end()) {
                    *same = parameter;
                } else {
                    declared.push_back(parameter);
                }
            }
        }
        const std::vector<std::string> placeholders = Placeholders(path);
        std::set<std::string> path_parameters;
        array out;
        for (const object* parameter : declared) {
            const std::string name = StringOr(*parameter, "name");
            const std::string in = StringOr(*parameter, "in");
            if (name.empty() || in == "cookie" || IsInjected(in, name)) {
                continue;
            }
            if (in != "path" && in != "query" && in != "header") {
                Warn(Cat({label, ": parameter '", name, "' in '", in, "' skipped"}));
                continue;
            }
            if (in == "path") {
                if (!Contains(placeholders, name)) {
                    Warn(Cat({label, ": path parameter '", name, "' is not in the path; skipped"}));
                    continue;
                }
                path_parameters.insert(name);
            }
            object entry{{"name", name}, {"in", in}};
            const value* required = parameter->if_contains("required");
            entry["required"] =
                in == "path" || (required != nullptr && required->is_bool() && required->as_bool());
            if (const std::string description = Trim(StringOr(*parameter, "description"));
                !description.empty()) {
                entry["description"] = description;
            }
            const value* schema = parameter->if_contains("schema");
            if (schema == nullptr) {  // `content: {<media type>: {schema}}` form
                if (const object* content = Object(*parameter, "content");
                    content != nullptr && !content->empty()) {
                    if (const object* media = content->begin()->value().if_object()) {
                        schema = media->if_contains("schema");
                    }
                }
            }
            if (schema != nullptr) {
                entry["schema"] = TopSchema(*schema, label);
            }
            out.emplace_back(std::move(entry));
        }
        for (const auto& name : placeholders) {
            if (!path_parameters.contains(name)) {
                Warn(Cat({label,
                          ": path placeholder {",
                          name,
                          "} has no parameter; declared as a required string"}));
                path_parameters.insert(name);
                out.emplace_back(object{{"name", name},
                                        {"in", "path"},
                                        {"required", true},
                                        {"schema", object{{"type", "string"}}}});
            }
        }
        return out;
    }

    // (requestContentType, schema): "" content type for JSON, the catalog's default.
    std::optional<std::pair<std::string, value>> RequestBody(const object& operation,
                                                             const std::string& label) {
        const value* raw = operation.if_contains("requestBody");
        if (raw == nullptr) {
            return std::nullopt;
        }
        const object* body = Deref(*raw);
        const object* content = body != nullptr ? Object(*body, "content") : nullptr;
        if (content == nullptr || content->empty()) {
            return std::nullopt;
        }
        auto schema_of = [&](const value& media) {
            const object* m = media.if_object();
            const value* schema = m != nullptr ? m->if_contains("schema") : nullptr;
            return schema != nullptr ? TopSchema(*schema, label) : value(object{});
        };
        for (const auto& [type, media] : *content) {
            if (IsJsonMediaType(type)) {
                return std::pair<std::string, value>{"", schema_of(media)};
            }
        }
        for (const std::string_view form :
             {"application/x-www-form-urlencoded", "multipart/form-data"}) {
            for (const auto& [type, media] : *content) {
                if (AsciiLowercase(Trim(std::string_view(type).substr(0, type.find(';')))) ==
                    form) {
                    return std::pair<std::string, value>{std::string(form), schema_of(media)};
                }
            }
        }
        Warn(label + ": request body media type '" + std::string(content->begin()->key()) +
             "' is not supported; body left out");
        return std::nullopt;
    }

    std::optional<value> ResponseSchema(const object& operation, const std::string& label) {
        const object* responses = Object(operation, "responses");
        if (responses == nullptr) {
            return std::nullopt;
        }
        for (const auto& [status, raw] : *responses) {
            if (status.size() != 3 || status.front() != '2') {
                continue;
            }
            const object* response = Deref(raw);
            const object* content = response != nullptr ? Object(*response, "content") : nullptr;
            if (content == nullptr) {
                continue;
            }
            for (const auto& [type, media] : *content) {
                if (!IsJsonMediaType(type) || !media.is_object()) {
                    continue;
                }
                if (const value* schema = media.as_object().if_contains("schema")) {
                    return TopSchema(*schema, label);
                }
            }
        }
        return std::nullopt;
    }

    const object& root_;
    const ImportOptions& options_;
    std::vector<std::string> warnings_{};
    std::set<std::string> warned_{};
    std::vector<Injected> injected_{};
    std::set<std::string> oauth2_schemes_{};
    std::set<std::string> used_ids_{};
    std::size_t action_count_ = 0;
    std::size_t schema_values_ = 0;
    bool budget_hit_ = false;
};

std::string LineOf(std::string_view text, std::size_t offset) {
    const std::string_view before = text.substr(0, std::min(offset, text.size()));
    return "line " + std::to_string(std::count(before.begin(), before.end(), '\n') + 1);
}

}  // namespace

Result<ConnectorDocument> ImportOpenApi(const value& document, const ImportOptions& options) {
    static const std::regex id_pattern("^[A-Za-z][A-Za-z0-9_-]{0,63}$");
    if (!std::regex_match(options.id, id_pattern)) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Connector id '" + options.id + "' must match ^[A-Za-z][A-Za-z0-9_-]{0,63}$");
    }
    const object* root = document.if_object();
    if (root == nullptr) {
        return Fail(ErrorCode::kInvalidArgument, "The OpenAPI document must be an object");
    }
    if (root->contains("swagger")) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Swagger 2.0 documents are not supported; convert to OpenAPI 3 first");
    }
    const std::string version = StringOr(*root, "openapi");
    if (!version.starts_with("3.")) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Not an OpenAPI 3 document (openapi: '" + version + "')");
    }
    return Importer(*root, options).Run();
}

Result<value> ParseOpenApiText(std::string_view name, std::string_view text) {
    const std::string lower = AsciiLowercase(name);
    bool is_json = lower.ends_with(".json");
    if (!is_json && !lower.ends_with(".yaml") && !lower.ends_with(".yml")) {
        const auto first = text.find_first_not_of(" \t\r\n");
        is_json = first != std::string_view::npos && text[first] == '{';
    }
    if (!is_json) {
        auto parsed = json::YamlToJson(text);
        if (!parsed) {
            return Fail(ErrorCode::kInvalidArgument,
                        std::string(name) + ": " + parsed.error().message);
        }
        return parsed;
    }
    boost::json::parse_options limits;
    limits.max_depth = 1000;  // vendor documents nest deeper than Boost's default 32
    boost::json::stream_parser parser({}, limits);
    boost::system::error_code ec;
    const std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) {
        parser.finish(ec);
    }
    if (ec) {
        return Fail(ErrorCode::kInvalidArgument,
                    std::string(name) + ": invalid JSON at " + LineOf(text, consumed) + ": " +
                        ec.message());
    }
    return parser.release();
}

std::string ConnectorToYaml(const boost::json::object& connector) {
    return json::JsonToYaml(connector);
}

Result<value> ReadOpenApiFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Fail(ErrorCode::kInvalidArgument, "Cannot read '" + path + "'");
    }
    std::stringstream text;
    text << in.rdbuf();
    return ParseOpenApiText(path, text.str());
}

}  // namespace junction::connectors
