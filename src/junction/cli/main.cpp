// junction: serve | migrate | api-key create/list/revoke | catalog validate/import |
// keys rotate/status (DESIGN.md §2).
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "junction/app/application.hpp"
#include "junction/app/config_loader.hpp"
#include "junction/connectors/catalog.hpp"
#include "junction/connectors/openapi_import.hpp"
#include "junction/service/api_key_service.hpp"
#include "junction/service/key_rotation_service.hpp"
#include "junction/storage/rows.hpp"

namespace {

using junction::app::Application;

// Startup errors are fatal (DESIGN.md §1.7): print and exit 1.
int Fatal(const junction::Error& error) {
    std::cerr << "junction: " << error.message << "\n";
    return 1;
}

junction::Result<std::unique_ptr<Application>> Open(const std::string& config_file,
                                                    const junction::app::Environment& environment,
                                                    bool migrate) {
    auto loaded = junction::app::LoadConfig(config_file, environment);
    if (!loaded) {
        return junction::Fail(std::move(loaded.error()));
    }
    if (auto logging = junction::app::ConfigureLogging(loaded->config); !logging) {
        return junction::Fail(std::move(logging.error()));
    }
    return Application::Create(std::move(*loaded), migrate);
}

int Serve(const std::string& config_file, const junction::app::Environment& environment) {
    // SIGHUP's default action ends the process; once serving, the server logs it and carries
    // on (http::Server::Run). Ignored until then, so a SIGHUP sent during start-up is harmless.
    std::signal(SIGHUP, SIG_IGN);
    auto app = Open(config_file, environment, true);
    if (!app) {
        return Fatal(app.error());
    }
    auto bootstrap = (*app)->Bootstrap();
    if (!bootstrap) {
        return Fatal(bootstrap.error());
    }
    if (*bootstrap) {
        std::cout << "Created the bootstrap admin API key. It is shown only once; store it now:\n"
                  << (*bootstrap)->Reveal() << std::endl;
    }
    auto port = (*app)->Listen();
    if (!port) {
        return Fatal(port.error());
    }
    (*app)->Run(true);
    return 0;
}

int Migrate(const std::string& config_file, const junction::app::Environment& environment) {
    auto app = Open(config_file, environment, true);
    if (!app) {
        return Fatal(app.error());
    }
    std::cout << "Database schema is up to date." << std::endl;
    return 0;
}

int CreateKey(const std::string& config_file,
              const junction::app::Environment& environment,
              const std::string& name,
              const std::string& role,
              const std::string& owner) {
    auto app = Open(config_file, environment, true);
    if (!app) {
        return Fatal(app.error());
    }
    auto created = (*app)->ApiKeys().CreateForOperator(
        name,
        role == "admin" ? junction::service::Role::kAdmin : junction::service::Role::kUser,
        owner);
    if (!created) {
        return Fatal(created.error());
    }
    std::cout << "Created API key " << created->row.id << " (" << created->row.role << ", owner "
              << owner << "). It is shown only once:\n"
              << created->key.Reveal() << std::endl;
    return 0;
}

int ListKeys(const std::string& config_file, const junction::app::Environment& environment) {
    auto app = Open(config_file, environment, true);
    if (!app) {
        return Fatal(app.error());
    }
    auto keys = (*app)->ApiKeys().ListForOperator();
    if (!keys) {
        return Fatal(keys.error());
    }
    std::printf("%-24s  %-5s  %-8s  %-24s  %-24s  %s\n",
                "ID",
                "ROLE",
                "PREFIX",
                "OWNER",
                "CREATED",
                "NAME");
    for (const auto& key : keys->items) {
        std::printf("%-24s  %-5s  %-8s  %-24s  %-24s  %s\n",
                    key.id.c_str(),
                    key.role.c_str(),
                    key.prefix.c_str(),
                    key.owner_user_id.c_str(),
                    junction::FormatTimestamp(key.created_at).c_str(),
                    key.name.c_str());
    }
    return 0;
}

// `catalog validate [DIR]`: the built-in catalog plus DIR (else the configured catalog_dir).
int ValidateCatalog(const std::string& config_file,
                    const junction::app::Environment& environment,
                    const std::string& directory) {
    std::string extra = directory;
    if (extra.empty()) {
        auto loaded = junction::app::LoadConfig(config_file, environment);
        if (!loaded) {
            return Fatal(loaded.error());
        }
        extra = loaded->config.catalog_dir;
    }
    auto catalog = junction::app::LoadCatalog(extra);
    if (!catalog) {
        std::cerr << catalog.error().message << "\n";
        return 1;
    }
    std::cout << "Catalog OK: " << catalog->Connectors().size() << " connectors, "
              << catalog->ActionCount() << " actions" << std::endl;
    return 0;
}

// `catalog import FILE --id ID`: the OpenAPI document as a catalog file (API.md §5.6) on
// stdout or in --out; what was left out goes to stderr as warnings.
int ImportCatalog(const std::string& file,
                  const junction::connectors::ImportOptions& options,
                  const std::string& out_file) {
    auto document = junction::connectors::ReadOpenApiFile(file);
    if (!document) {
        return Fatal(document.error());
    }
    auto imported = junction::connectors::ImportOpenApi(*document, options);
    if (!imported) {
        return Fatal(imported.error());
    }
    for (const auto& warning : imported->warnings) {
        std::cerr << "junction: warning: " << warning << "\n";
    }
    const std::string text = "# Imported from " + std::filesystem::path(file).filename().string() +
                             " by `junction catalog import`; a draft to edit (API.md §5.6).\n" +
                             junction::connectors::ConnectorToYaml(imported->connector);
    std::size_t actions = 0;
    for (const auto& resource : imported->connector.at("resources").as_array()) {
        actions += resource.at("actions").as_array().size();
    }
    if (out_file.empty()) {
        std::cout << text << std::flush;
    } else {
        std::ofstream out(out_file, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) {
            return Fatal(junction::Error{.code = junction::ErrorCode::kInvalidArgument,
                                         .message = "Cannot write '" + out_file + "'"});
        }
    }
    std::cerr << "Imported " << actions << " actions into connector '" << options.id << "'"
              << (out_file.empty() ? std::string() : " (" + out_file + ")") << "\n";
    return 0;
}

int RevokeKey(const std::string& config_file,
              const junction::app::Environment& environment,
              const std::string& id) {
    auto app = Open(config_file, environment, true);
    if (!app) {
        return Fatal(app.error());
    }
    if (auto revoked = (*app)->ApiKeys().RevokeForOperator(id); !revoked) {
        return Fatal(revoked.error());
    }
    std::cout << "Revoked API key " << id << std::endl;
    return 0;
}

// Exit code of `keys rotate` when it finished but left values it could not decrypt.
constexpr int kRotationIncomplete = 2;

std::string JoinIds(const std::vector<std::uint32_t>& ids) {
    std::string joined;
    for (const auto id : ids) {
        joined += (joined.empty() ? "" : ", ") + std::to_string(id);
    }
    return joined.empty() ? "none" : joined;
}

std::string Values(std::int64_t count) {
    return std::to_string(count) + (count == 1 ? " stored secret" : " stored secrets");
}

// The `keys status` table and verdict; also printed at the end of `keys rotate`.
void PrintKeyUsage(const junction::service::KeyUsageReport& usage) {
    std::cout << "Active master key: " << usage.active_key_id
              << " (configured: " << JoinIds(usage.configured_key_ids) << ")\n";
    std::printf("%-14s  %10s  %8s\n", "TABLE", "KEY ID", "VALUES");
    std::map<std::uint32_t, std::int64_t> per_key;
    for (const auto& table : usage.tables) {
        for (const auto& count : table.keys) {
            std::printf("%-14s  %10u  %8lld\n",
                        table.table.c_str(),
                        count.key_id,
                        static_cast<long long>(count.rows));
            per_key[count.key_id] += count.rows;
        }
    }
    std::cout << "Key ids in use: " << JoinIds(usage.KeyIdsInUse()) << "\n";
    for (const auto id : usage.configured_key_ids) {
        if (id == usage.active_key_id) {
            continue;
        }
        const auto found = per_key.find(id);
        if (found == per_key.end()) {
            std::cout << "Key " << id
                      << ": not in use; it can be removed from JUNCTION_MASTER_KEYS.\n";
        } else {
            std::cout << "Key " << id << ": still seals " << Values(found->second)
                      << "; run `junction keys rotate` before removing it.\n";
        }
    }
    for (const auto& [id, rows] : per_key) {
        const bool configured =
            std::find(usage.configured_key_ids.begin(), usage.configured_key_ids.end(), id) !=
            usage.configured_key_ids.end();
        if (!configured) {
            std::cout << "Key " << id << ": seals " << Values(rows)
                      << " but is not configured; they cannot be decrypted until it is "
                         "added back to JUNCTION_MASTER_KEYS.\n";
        }
    }
    std::cout << std::flush;
}

int KeysStatus(const std::string& config_file, const junction::app::Environment& environment) {
    auto app = Open(config_file, environment, true);
    if (!app) {
        return Fatal(app.error());
    }
    auto usage = (*app)->KeyRotation().Status();
    if (!usage) {
        return Fatal(usage.error());
    }
    PrintKeyUsage(*usage);
    return 0;
}

int KeysRotate(const std::string& config_file,
               const junction::app::Environment& environment,
               std::size_t batch_size) {
    auto app = Open(config_file, environment, true);
    if (!app) {
        return Fatal(app.error());
    }
    auto& rotation = (*app)->KeyRotation();
    auto before = rotation.Status();
    if (!before) {
        return Fatal(before.error());
    }
    std::cout << "Re-sealing stored secrets with master key " << before->active_key_id
              << " (batch size " << batch_size << ")" << std::endl;
    const auto progress = [](std::string_view table,
                             const junction::service::RotationCounts& counts) {
        std::cout << "  " << table << ": " << counts.rotated << " rotated, " << counts.skipped
                  << " skipped, " << counts.failed << " failed so far" << std::endl;
    };
    auto report = rotation.Rotate(batch_size, progress);
    if (!report) {
        return Fatal(report.error());
    }
    for (const auto& table : report->tables) {
        std::cout << table.table << ": " << table.counts.rotated << " rotated, "
                  << table.counts.skipped << " skipped, " << table.counts.failed << " failed\n";
    }
    auto after = rotation.Status();
    if (!after) {
        return Fatal(after.error());
    }
    PrintKeyUsage(*after);
    if (report->Skipped() > 0) {
        std::cout << "Skipped values changed while rotating (their writer sealed them with the "
                     "active key of its node); run `junction keys rotate` again if an old key "
                     "is still in use."
                  << std::endl;
    }
    if (report->Failed() > 0) {
        std::string ids;
        for (const auto& table : report->tables) {
            for (const auto& id : table.counts.failed_row_ids) {
                ids += (ids.empty() ? "" : ", ") + table.table + " " + id;
            }
        }
        std::cerr << "junction: " << report->Failed()
                  << " stored secrets could not be decrypted and were left as they were (" << ids
                  << "). Add the master key that sealed them back to JUNCTION_MASTER_KEYS (after "
                     "the active key) and run `junction keys rotate` again.\n";
        return kRotationIncomplete;
    }
    return 0;
}

int Main(int argc, char** argv) {
    // Read before any thread starts (getenv is not thread-safe).
    const junction::app::Environment environment = junction::app::ReadProcessEnvironment();

    CLI::App cli{"Junction: a self-hosted Connectivity API and MCP server for AI agents"};
    cli.require_subcommand(1);
    std::string config_file;
    cli.add_option(
        "--config", config_file, "YAML config file (default: ./junction.yaml if present)");

    auto* serve = cli.add_subcommand("serve", "Run the HTTP server");
    auto* migrate = cli.add_subcommand("migrate", "Apply database migrations and exit");
    auto* api_key = cli.add_subcommand("api-key", "Manage API keys");
    api_key->require_subcommand(1);
    std::string name;
    std::string role;
    std::string owner = "admin";
    auto* create = api_key->add_subcommand("create", "Create an API key; prints it once");
    create->add_option("--name", name, "Key name (1-100 characters)")->required();
    create->add_option("--role", role, "admin or user")
        ->required()
        ->check(CLI::IsMember({"admin", "user"}));
    create->add_option("--owner", owner, "Owner username (default: admin)");
    auto* list = api_key->add_subcommand("list", "List active API keys");
    std::string revoke_id;
    auto* revoke = api_key->add_subcommand("revoke", "Revoke an API key");
    revoke->add_option("id", revoke_id, "API key id")->required();
    auto* catalog = cli.add_subcommand("catalog", "Work with the connector catalog");
    catalog->require_subcommand(1);
    std::string catalog_dir;
    auto* validate = catalog->add_subcommand(
        "validate", "Check the built-in catalog plus DIR; print every problem as file:line");
    validate->add_option("dir", catalog_dir, "Directory of extra connector files");
    auto* keys = cli.add_subcommand("keys", "Master key rotation");
    keys->require_subcommand(1);
    std::size_t batch_size = 100;
    auto* rotate = keys->add_subcommand(
        "rotate", "Re-seal every stored secret with the active master key (while serving)");
    rotate->add_option("--batch-size", batch_size, "Rows per query (default 100)")
        ->check(CLI::Range(1, 100000));
    auto* status = keys->add_subcommand(
        "status", "Count stored secrets per master key id; tell which keys can be removed");
    std::string openapi_file;
    std::string import_out;
    junction::connectors::ImportOptions import_options;
    auto* import = catalog->add_subcommand(
        "import", "Write a catalog connector (YAML) for an OpenAPI 3 document (JSON or YAML)");
    import->add_option("file", openapi_file, "OpenAPI 3.0/3.1 document")->required();
    import->add_option("--id", import_options.id, "connectorId of the new connector")->required();
    import->add_option("--out", import_out, "Output file (default: stdout)");
    import->add_option("--include-tags", import_options.include_tags, "Only these tags (a,b)")
        ->delimiter(',');
    import
        ->add_option("--include-operations",
                     import_options.include_operations,
                     "Only these operationIds (x,y)")
        ->delimiter(',');
    import
        ->add_option(
            "--exclude-operations", import_options.exclude_operations, "Leave these out (z)")
        ->delimiter(',');
    for (auto* sub : {serve, migrate, create, list, revoke, validate, rotate, status}) {
        sub->add_option("--config", config_file, "YAML config file");
    }

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    if (name.size() > 100 || (create->parsed() && name.empty())) {
        std::cerr << "junction: --name must be 1-100 characters\n";
        return 1;
    }
    if (serve->parsed()) {
        return Serve(config_file, environment);
    }
    if (migrate->parsed()) {
        return Migrate(config_file, environment);
    }
    if (create->parsed()) {
        return CreateKey(config_file, environment, name, role, owner);
    }
    if (import->parsed()) {
        return ImportCatalog(openapi_file, import_options, import_out);
    }
    if (validate->parsed()) {
        return ValidateCatalog(config_file, environment, catalog_dir);
    }
    if (list->parsed()) {
        return ListKeys(config_file, environment);
    }
    if (rotate->parsed()) {
        return KeysRotate(config_file, environment, batch_size);
    }
    if (status->parsed()) {
        return KeysStatus(config_file, environment);
    }
    return RevokeKey(config_file, environment, revoke_id);
}

}  // namespace

int main(int argc, char** argv) {
    // Startup errors are reported by Main as values; this catches what a library may still
    // throw (std::bad_alloc, CLI11 internals) so the process never dies without a message.
    try {
        return Main(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "junction: " << e.what() << "\n";
    } catch (...) {
        std::cerr << "junction: unexpected error\n";
    }
    return 1;
}
