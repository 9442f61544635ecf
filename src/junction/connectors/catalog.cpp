#include "junction/connectors/catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <boost/json/parse.hpp>
#include <yaml-cpp/yaml.h>

#include "junction/connectors/openapi_import.hpp"
#include "junction/core/ascii.hpp"
#include "junction/json/schema.hpp"
#include "junction/json/yaml.hpp"

namespace junction::connectors {

extern const std::string_view kCatalogSchema;

namespace {

struct Problem {
    std::string source;
    int line = 0;
    std::string message;
};

using Path = std::vector<std::string>;

Path SplitPath(const std::string& dotted) {
    Path path;
    std::stringstream stream(dotted);
    std::string part;
    while (std::getline(stream, part, '.')) {
        if (!part.empty()) {
            path.push_back(part);
        }
    }
    return path;
}

// 1-based line of the deepest YAML node along `path` (map keys and sequence indexes).
int LineOf(const YAML::Node& root, const Path& path) {
    YAML::Node node = root;
    int line = root.Mark().line;
    for (const auto& segment : path) {
        YAML::Node next;
        if (node.IsMap()) {
            next = node[segment];
        } else if (node.IsSequence() && !segment.empty() &&
                   std::all_of(segment.begin(), segment.end(), ::isdigit)) {
            const auto index = static_cast<std::size_t>(std::stoul(segment));
            if (index < node.size()) {
                next = node[index];
            }
        }
        if (!next.IsDefined() || next.Mark().line < 0) {
            break;
        }
        node = next;
        line = next.Mark().line;
    }
    return line + 1;
}

const json::SchemaValidator& CatalogSchema() {
    static const json::SchemaValidator validator = [] {
        auto compiled = json::SchemaValidator::Compile(boost::json::parse(kCatalogSchema));
        if (!compiled) {
            std::abort();  // the embedded schema is part of the build; tests compile it
        }
        return std::move(*compiled);
    }();
    return validator;
}

std::string StringOr(const boost::json::object& object,
                     std::string_view key,
                     std::string fallback = {}) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->as_string())
                                                  : std::move(fallback);
}

int IntOr(const boost::json::object& object, std::string_view key, int fallback) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_int64() ? static_cast<int>(value->as_int64()) : fallback;
}

bool BoolOr(const boost::json::object& object, std::string_view key, bool fallback) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_bool() ? value->as_bool() : fallback;
}

std::vector<std::string> Strings(const boost::json::object& object, std::string_view key) {
    std::vector<std::string> out;
    if (const auto* value = object.if_contains(key); value != nullptr && value->is_array()) {
        for (const auto& item : value->as_array()) {
            if (item.is_string()) {
                out.emplace_back(item.as_string());
            }
        }
    }
    return out;
}

// `{{name}}` template references.
std::vector<std::string> TemplateFields(std::string_view text) {
    std::vector<std::string> names;
    std::size_t pos = 0;
    while ((pos = text.find("{{", pos)) != std::string_view::npos) {
        const std::size_t end = text.find("}}", pos + 2);
        if (end == std::string_view::npos) {
            break;
        }
        names.emplace_back(text.substr(pos + 2, end - pos - 2));
        pos = end + 2;
    }
    return names;
}

// `{name}` path placeholders (not `{{`).
std::vector<std::string> PathPlaceholders(std::string_view path) {
    std::vector<std::string> names;
    for (std::size_t pos = path.find('{'); pos != std::string_view::npos;
         pos = path.find('{', pos + 1)) {
        const std::size_t end = path.find('}', pos);
        if (end == std::string_view::npos) {
            break;
        }
        names.emplace_back(path.substr(pos + 1, end - pos - 1));
    }
    return names;
}

// A pattern for a value that lands in a host name must only admit [A-Za-z0-9.-] (API.md §5.2):
// anchored, no wildcard `.`, no escapes but `\.` and `\-`, no negated classes.
bool IsHostSafePattern(std::string_view pattern) {
    if (pattern.size() < 3 || pattern.front() != '^' || pattern.back() != '$') {
        return false;
    }
    const std::string_view body = pattern.substr(1, pattern.size() - 2);
    auto literal = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
    };
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '\\') {
            if (i + 1 >= body.size() || (body[i + 1] != '.' && body[i + 1] != '-')) {
                return false;
            }
            ++i;
        } else if (c == '[') {
            const std::size_t end = body.find(']', i);
            if (end == std::string_view::npos || (i + 1 < body.size() && body[i + 1] == '^')) {
                return false;
            }
            for (std::size_t j = i + 1; j < end; ++j) {
                if (!literal(body[j]) && body[j] != '.' && body[j] != '\\') {
                    return false;
                }
            }
            i = end;
        } else if (!literal(c) && std::string_view("{},*+?()|").find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

std::vector<FieldSpec> DefaultFields(const std::string& type) {
    if (type == "apiKey") {
        return {FieldSpec{.name = "apiKey", .description = "API key", .secret = true}};
    }
    if (type == "basic") {
        return {FieldSpec{.name = "username", .description = "Username"},
                FieldSpec{.name = "password", .description = "Password", .secret = true}};
    }
    if (type == "bearer") {
        return {FieldSpec{.name = "token", .description = "Access token", .secret = true}};
    }
    return {};
}

class FileLoader {
public:
    FileLoader(const CatalogSource& source, std::vector<Problem>& problems)
        : source_(source), problems_(problems) {}

    std::optional<ConnectorSpec> Load() {
        try {
            yaml_ = YAML::Load(source_.text);
        } catch (const YAML::Exception& e) {
            Report(e.mark.line + 1, "invalid YAML: " + e.msg);
            return std::nullopt;
        }
        auto document = json::YamlToJson(source_.text);
        if (!document) {
            Report(1, document.error().message);
            return std::nullopt;
        }
        if (!SchemaValid(*document, {})) {
            return std::nullopt;
        }
        if (document->as_object().contains("openapi") && !ExpandOpenApi(document->as_object())) {
            return std::nullopt;
        }
        return Build(document->as_object());
    }

private:
    // Reports every schema violation; `derived_from` names the OpenAPI document that supplied
    // the keys (their lines are the `openapi` key's).
    bool SchemaValid(const boost::json::value& document, const std::string& derived_from) {
        const auto errors = CatalogSchema().Validate(document);
        std::set<std::string> seen;
        for (const auto& error : errors) {
            // SchemaValidator already drops valijson's enclosing "Failed to validate" lines.
            if (!seen.insert(error.field).second) {
                continue;
            }
            std::string what = error.field.empty() ? std::string("file") : error.field;
            what.append(": ").append(error.message);
            if (derived_from.empty()) {
                Report(LineOf(yaml_, SplitPath(error.field)), std::move(what));
            } else {
                what.append(" (derived from ").append(derived_from).append(")");
                ReportAt({"openapi"}, std::move(what));
            }
        }
        return errors.empty();
    }

    // API.md §5.6: `openapi: {file, include_tags, include_operations, exclude_operations}`
    // derives the keys the file lacks (base_url, auth, resources, description, icon) from the
    // OpenAPI document, read relative to the connector file. Explicit keys win.
    bool ExpandOpenApi(boost::json::object& root) {
        const auto& openapi = root.at("openapi").as_object();
        std::filesystem::path file(StringOr(openapi, "file"));
        if (file.is_relative()) {
            file = std::filesystem::path(source_.name).parent_path() / file;
        }
        auto document = ReadOpenApiFile(file.string());
        if (!document) {
            ReportAt({"openapi", "file"}, document.error().message);
            return false;
        }
        auto imported =
            ImportOpenApi(*document,
                          ImportOptions{
                              .id = StringOr(root, "id"),
                              .include_tags = Strings(openapi, "include_tags"),
                              .include_operations = Strings(openapi, "include_operations"),
                              .exclude_operations = Strings(openapi, "exclude_operations"),
                          });
        if (!imported) {
            ReportAt({"openapi"}, file.string() + ": " + imported.error().message);
            return false;
        }
        for (auto& [key, value] : imported->connector) {
            if (!root.contains(key)) {
                root[key] = std::move(value);
            }
        }
        root.erase("openapi");
        return SchemaValid(root, file.string());
    }

    void Report(int line, std::string message) {
        problems_.push_back(
            Problem{.source = source_.name, .line = line, .message = std::move(message)});
    }
    void ReportAt(const Path& path, std::string message) {
        Report(LineOf(yaml_, path), std::move(message));
    }

    std::optional<ConnectorSpec> Build(const boost::json::object& root) {
        const std::size_t before = problems_.size();
        ConnectorSpec spec;
        spec.source = source_.name;
        spec.id = StringOr(root, "id");
        spec.name = StringOr(root, "name");
        spec.description = StringOr(root, "description");
        spec.icon = StringOr(root, "icon");
        spec.categories = Strings(root, "categories");
        spec.base_url = StringOr(root, "base_url");
        spec.allowed_hosts = Strings(root, "allowed_hosts");
        spec.allow_private_network = BoolOr(root, "allow_private_network", false);
        spec.timeout_ms = IntOr(root, "timeout_ms", spec.timeout_ms);
        if (const auto* retry = root.if_contains("retry"); retry != nullptr && retry->is_object()) {
            const auto& policy = retry->as_object();
            spec.retry.max_attempts = IntOr(policy, "max_attempts", spec.retry.max_attempts);
            spec.retry.initial_backoff_ms =
                IntOr(policy, "initial_backoff_ms", spec.retry.initial_backoff_ms);
            spec.retry.max_backoff_ms = IntOr(policy, "max_backoff_ms", spec.retry.max_backoff_ms);
            if (const auto* statuses = policy.if_contains("retry_on_status");
                statuses != nullptr && statuses->is_array()) {
                spec.retry.retry_on_status.clear();
                for (const auto& status : statuses->as_array()) {
                    if (status.is_int64()) {
                        spec.retry.retry_on_status.push_back(static_cast<int>(status.as_int64()));
                    }
                }
            }
        }
        if (const auto* headers = root.if_contains("default_headers");
            headers != nullptr && headers->is_object()) {
            for (const auto& [name, value] : headers->as_object()) {
                if (value.is_string()) {
                    spec.default_headers.emplace_back(std::string(name),
                                                      std::string(value.as_string()));
                }
            }
        }

        const std::string stem = std::filesystem::path(source_.name).stem().string();
        if (spec.id != stem) {
            ReportAt({"id"}, "id '" + spec.id + "' must match the file name '" + stem + ".yaml'");
        }
        if (spec.id == "files") {
            ReportAt({"id"}, "id 'files' is reserved (/connectors/files/...)");
        }

        const auto& auth = root.at("auth").as_array();
        for (std::size_t i = 0; i < auth.size(); ++i) {
            spec.auth.push_back(BuildAuth(auth[i].as_object(), {"auth", std::to_string(i)}));
        }
        CheckConnectorTemplates(root, spec);

        std::set<std::string> resource_names;
        std::set<std::string> action_ids;
        const auto& resources = root.at("resources").as_array();
        for (std::size_t r = 0; r < resources.size(); ++r) {
            const auto& object = resources[r].as_object();
            const Path at{"resources", std::to_string(r)};
            ResourceSpec resource{
                .name = StringOr(object, "name"),
                .display_name = StringOr(object, "displayName", StringOr(object, "name")),
                .description = StringOr(object, "description")};
            if (!resource_names.insert(resource.name).second) {
                ReportAt({"resources", std::to_string(r), "name"},
                         "duplicate resource '" + resource.name + "'");
            }
            const auto& actions = object.at("actions").as_array();
            for (std::size_t a = 0; a < actions.size(); ++a) {
                Path action_at = at;
                action_at.insert(action_at.end(), {"actions", std::to_string(a)});
                ActionSpec action = BuildAction(actions[a].as_object(), action_at);
                action.resource = resource.name;
                if (!action_ids.insert(action.id).second) {
                    Path id_at = action_at;
                    id_at.emplace_back("id");
                    ReportAt(id_at, "duplicate action id '" + action.id + "'");
                }
                resource.actions.push_back(std::move(action));
            }
            spec.resources.push_back(std::move(resource));
        }
        if (spec.allowed_hosts.empty()) {
            spec.allowed_hosts.push_back(DefaultHost(spec.base_url));
        }
        if (problems_.size() != before) {
            return std::nullopt;
        }
        return spec;
    }

    AuthSpec BuildAuth(const boost::json::object& object, const Path& at) {
        AuthSpec auth{.type = StringOr(object, "type"), .config = object};
        auth.config.erase("fields");
        if (const auto* fields = object.if_contains("fields")) {
            std::set<std::string> names;
            for (const auto& item : fields->as_array()) {
                const auto& field = item.as_object();
                FieldSpec spec{.name = StringOr(field, "name"),
                               .display_name = StringOr(field, "display_name"),
                               .description = StringOr(field, "description"),
                               .pattern = StringOr(field, "pattern"),
                               .required = BoolOr(field, "required", true),
                               .secret = BoolOr(field, "secret", false)};
                if (const auto* example = field.if_contains("example");
                    example != nullptr && example->is_string()) {
                    spec.example = std::string(example->as_string());
                }
                if (!names.insert(spec.name).second) {
                    ReportAt(at, "duplicate field '" + spec.name + "'");
                }
                if (!spec.pattern.empty()) {
                    try {
                        const std::regex compiled(spec.pattern);
                        (void)compiled;
                    } catch (const std::regex_error&) {
                        ReportAt(at, "field '" + spec.name + "' has an invalid pattern");
                    }
                }
                auth.fields.push_back(std::move(spec));
            }
        } else {
            auth.fields = DefaultFields(auth.type);
        }
        // Templates inside the entry refer to its own fields.
        for (const auto& [key, value] : object) {
            if (value.is_string()) {
                for (const auto& name : TemplateFields(value.as_string())) {
                    if (!HasField(auth, name)) {
                        Path key_at = at;
                        key_at.emplace_back(key);
                        ReportAt(key_at,
                                 "template {{" + name + "}} in '" + std::string(key) +
                                     "' is not a field of this " + auth.type + " entry");
                    }
                }
            }
        }
        return auth;
    }

    static bool HasField(const AuthSpec& auth, const std::string& name) {
        return std::any_of(auth.fields.begin(), auth.fields.end(), [&](const FieldSpec& field) {
            return field.name == name;
        });
    }

    // base_url and default_headers are shared by every auth entry, so each must declare the
    // fields they use; fields that land in the host need a host-safe pattern.
    void CheckConnectorTemplates(const boost::json::object& root, const ConnectorSpec& spec) {
        std::vector<std::pair<Path, std::string>> templated{{{"base_url"}, spec.base_url}};
        if (const auto* headers = root.if_contains("default_headers")) {
            for (const auto& [name, value] : headers->as_object()) {
                templated.push_back(
                    {{"default_headers", std::string(name)}, std::string(value.as_string())});
            }
        }
        const std::string host =
            spec.base_url.substr(0, spec.base_url.find('/', spec.base_url.find("://") + 3));
        for (const auto& [at, text] : templated) {
            for (const auto& name : TemplateFields(text)) {
                for (std::size_t i = 0; i < spec.auth.size(); ++i) {
                    const auto& auth = spec.auth[i];
                    const auto field = std::find_if(
                        auth.fields.begin(), auth.fields.end(), [&](const FieldSpec& f) {
                            return f.name == name;
                        });
                    if (field == auth.fields.end()) {
                        ReportAt(at,
                                 "template {{" + name + "}} is not a field of auth entry " +
                                     std::to_string(i) + " (" + auth.type + ")");
                    } else if (at.front() == "base_url" &&
                               host.find("{{" + name + "}}") != std::string::npos &&
                               !IsHostSafePattern(field->pattern)) {
                        ReportAt(
                            {"auth", std::to_string(i)},
                            "field '" + name +
                                "' is used in the host of base_url and needs an anchored pattern "
                                "admitting only [A-Za-z0-9.-]");
                    }
                }
            }
        }
    }

    ActionSpec BuildAction(const boost::json::object& object, const Path& at) {
        ActionSpec action{
            .id = StringOr(object, "id"),
            .display_name = StringOr(object, "displayName", StringOr(object, "id")),
            .description = StringOr(object, "description"),
            .http_method = StringOr(object, "httpMethod"),
            .path = StringOr(object, "path"),
            .scopes = Strings(object, "scopes"),
            .request_content_type = StringOr(object, "requestContentType", "application/json")};
        if (const auto* idempotent = object.if_contains("idempotent");
            idempotent != nullptr && idempotent->is_bool()) {
            action.idempotent = idempotent->as_bool();
        }
        if (const auto* timeout = object.if_contains("timeoutMs");
            timeout != nullptr && timeout->is_int64()) {
            action.timeout_ms = static_cast<int>(timeout->as_int64());
        }
        action.http_method = AsciiLowercase(action.http_method);
        std::set<std::string> declared_path_params;
        if (const auto* parameters = object.if_contains("parameters")) {
            const auto& list = parameters->as_array();
            for (std::size_t p = 0; p < list.size(); ++p) {
                const auto& parameter = list[p].as_object();
                Path parameter_at = at;
                parameter_at.insert(parameter_at.end(), {"parameters", std::to_string(p)});
                ParameterSpec spec{
                    .name = StringOr(parameter, "name"),
                    .in = StringOr(parameter, "in"),
                    .description = StringOr(parameter, "description"),
                    .required = BoolOr(parameter, "required", false),
                    .schema = parameter.contains("schema")
                                  ? parameter.at("schema")
                                  : boost::json::value(boost::json::object{{"type", "string"}})};
                if (spec.in == "path") {
                    spec.required = true;  // a path cannot be built without it
                    declared_path_params.insert(spec.name);
                    if (!action.path.empty() &&
                        action.path.find("{" + spec.name + "}") == std::string::npos) {
                        ReportAt(parameter_at,
                                 "path parameter '" + spec.name + "' does not appear in path '" +
                                     action.path + "'");
                    }
                }
                CheckSchema(spec.schema, parameter_at, "schema");
                action.parameters.push_back(std::move(spec));
            }
        }
        for (const auto& name : PathPlaceholders(action.path)) {
            if (!declared_path_params.contains(name)) {
                Path path_at = at;
                path_at.emplace_back("path");
                ReportAt(path_at,
                         "placeholder {" + name + "} in path of action '" + action.id +
                             "' has no 'in: path' parameter");
            }
        }
        if (const auto* body = object.if_contains("requestBody")) {
            action.request_body = *body;
            CheckSchema(*body, at, "requestBody");
        }
        if (const auto* schema = object.if_contains("responseSchema")) {
            action.response_schema = *schema;
            CheckSchema(*schema, at, "responseSchema");
        }
        return action;
    }

    void CheckSchema(const boost::json::value& schema, Path at, const std::string& key) {
        at.push_back(key);
        auto compiled = json::SchemaValidator::Compile(schema);
        if (!compiled) {
            ReportAt(at, key + " is not a usable JSON Schema: " + compiled.error().message);
        }
    }

    static std::string DefaultHost(const std::string& base_url) {
        const std::size_t start = base_url.find("://");
        std::string host = base_url.substr(start == std::string::npos ? 0 : start + 3);
        host = host.substr(0, host.find_first_of("/:"));
        // A templated first label becomes the one-label wildcard.
        if (host.starts_with("{{")) {
            const std::size_t dot = host.find('.');
            host = dot == std::string::npos ? host : "*" + host.substr(dot);
        }
        return host;
    }

    const CatalogSource& source_;
    std::vector<Problem>& problems_;
    YAML::Node yaml_;
};

// Loads one layer (built-in or override); ids must be unique within it.
std::vector<ConnectorSpec> LoadLayer(std::span<const CatalogSource> sources,
                                     std::vector<Problem>& problems) {
    std::vector<ConnectorSpec> loaded;
    std::map<std::string, std::string> seen;
    for (const auto& source : sources) {
        FileLoader loader(source, problems);
        auto spec = loader.Load();
        if (!spec) {
            continue;
        }
        if (auto [it, inserted] = seen.emplace(spec->id, source.name); !inserted) {
            problems.push_back(Problem{
                .source = source.name,
                .line = 1,
                .message = "connector id '" + spec->id + "' is also defined in " + it->second});
            continue;
        }
        loaded.push_back(std::move(*spec));
    }
    return loaded;
}

}  // namespace

const ActionSpec* ConnectorSpec::FindAction(std::string_view action_id) const {
    for (const auto& resource : resources) {
        for (const auto& action : resource.actions) {
            if (action.id == action_id) {
                return &action;
            }
        }
    }
    return nullptr;
}

std::size_t ConnectorSpec::ActionCount() const {
    std::size_t count = 0;
    for (const auto& resource : resources) {
        count += resource.actions.size();
    }
    return count;
}

Result<Catalog> Catalog::Load(std::span<const CatalogSource> built_in,
                              std::span<const CatalogSource> overrides) {
    std::vector<Problem> problems;
    std::vector<ConnectorSpec> connectors = LoadLayer(built_in, problems);
    for (auto& spec : LoadLayer(overrides, problems)) {
        const auto existing = std::find_if(connectors.begin(),
                                           connectors.end(),
                                           [&](const ConnectorSpec& c) { return c.id == spec.id; });
        if (existing != connectors.end()) {
            *existing = std::move(spec);
        } else {
            connectors.push_back(std::move(spec));
        }
    }
    if (!problems.empty()) {
        std::string message = "invalid connector catalog:";
        for (const auto& problem : problems) {
            message +=
                "\n" + problem.source + ":" + std::to_string(problem.line) + ": " + problem.message;
        }
        return Fail(ErrorCode::kInvalidArgument, std::move(message));
    }
    std::sort(connectors.begin(),
              connectors.end(),
              [](const ConnectorSpec& a, const ConnectorSpec& b) { return a.id < b.id; });
    Catalog catalog;
    catalog.connectors_ = std::move(connectors);
    return catalog;
}

Result<std::vector<CatalogSource>> Catalog::ReadDirectory(const std::string& directory) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        // `<name>.openapi.yaml` holds an OpenAPI document for an `openapi:` key, not a connector.
        if (entry.is_regular_file() && entry.path().extension() == ".yaml" &&
            !entry.path().stem().string().ends_with(".openapi")) {
            files.push_back(entry.path());
        }
    }
    if (ec) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Cannot read catalog directory '" + directory + "': " + ec.message());
    }
    std::sort(files.begin(), files.end());
    std::vector<CatalogSource> sources;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        sources.push_back(CatalogSource{.name = file.string(), .text = text.str()});
    }
    return sources;
}

const ConnectorSpec* Catalog::Find(std::string_view id) const {
    const auto found =
        std::lower_bound(connectors_.begin(),
                         connectors_.end(),
                         id,
                         [](const ConnectorSpec& c, std::string_view key) { return c.id < key; });
    return found != connectors_.end() && found->id == id ? &*found : nullptr;
}

std::size_t Catalog::ActionCount() const {
    std::size_t count = 0;
    for (const auto& connector : connectors_) {
        count += connector.ActionCount();
    }
    return count;
}

}  // namespace junction::connectors
