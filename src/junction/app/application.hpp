#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "junction/app/config_loader.hpp"
#include "junction/core/result.hpp"
#include "junction/core/secret_string.hpp"

namespace junction::storage {
class Store;
}
namespace junction::connectors {
class Catalog;
}
namespace junction::mcp {
class Dispatcher;
}
namespace junction::service {
class ApiKeyService;
class KeyRotationService;
class McpServerService;
class OAuthService;
class UserService;
}  // namespace junction::service

namespace junction::app {

/// The composition root (DESIGN.md §7): builds every concrete object in dependency order and
/// owns them. The CLI and in-process integration tests use it the same way.
class Application {
public:
    /// Opens the database, applies migrations (`migrate`), loads or creates the master key and
    /// wires the services. kInvalidArgument / kUnavailable / kFailedPrecondition with a message
    /// fit for an operator (never containing secrets).
    [[nodiscard]] static Result<std::unique_ptr<Application>> Create(LoadedConfig loaded,
                                                                     bool migrate = true);
    Application(const Application&) = delete;
    Application& operator=(const Application&) = delete;
    Application(Application&&) = delete;
    Application& operator=(Application&&) = delete;
    ~Application();

    /// JUNCTION_BOOTSTRAP_API_KEY, else first start: returns a newly created admin key to
    /// print once, or nullopt when an admin key already exists.
    [[nodiscard]] Result<std::optional<SecretString>> Bootstrap();

    /// Binds the listener; returns the bound port.
    [[nodiscard]] Result<std::uint16_t> Listen();
    /// Serves until shutdown has drained. Blocks.
    void Run(bool handle_signals);
    /// Starts a graceful shutdown. Thread-safe.
    void Shutdown();

    [[nodiscard]] storage::Store& Store();
    [[nodiscard]] service::ApiKeyService& ApiKeys();
    [[nodiscard]] service::UserService& Users();
    /// MCP servers; the MCP layer registers its ServerChangeListener here before Run().
    [[nodiscard]] service::McpServerService& Servers();
    [[nodiscard]] service::OAuthService& OAuth();
    [[nodiscard]] service::KeyRotationService& KeyRotation();
    /// The MCP method dispatcher behind POST /mcp (the JSON-RPC fuzz target drives it).
    [[nodiscard]] mcp::Dispatcher& McpDispatcher();

private:
    struct Parts;
    explicit Application(std::unique_ptr<Parts> parts);

    std::unique_ptr<Parts> parts_;
};

/// The built-in catalog plus the operator's directory (when set). kInvalidArgument listing
/// every problem as `<file>:<line>: <problem>`.
[[nodiscard]] Result<connectors::Catalog> LoadCatalog(const std::string& extra_directory);

/// Configures spdlog (level, JSON or text, stderr or file). Call once before Create.
[[nodiscard]] Result<void> ConfigureLogging(const Config& config);

/// The build version.
[[nodiscard]] std::string_view Version();

}  // namespace junction::app
