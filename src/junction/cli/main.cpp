// junction: serve | migrate | api-key create/list/revoke | catalog validate/import (DESIGN.md §2).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "junction/app/application.hpp"
#include "junction/app/config_loader.hpp"
#include "junction/connectors/catalog.hpp"
#include "junction/connectors/openapi_import.hpp"
#include "junction/service/api_key_service.hpp"
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
    for (auto* sub : {serve, migrate, create, list, revoke, validate}) {
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
