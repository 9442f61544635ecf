#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/core/result.hpp"
#include "junction/http_client/http_client.hpp"
#include "junction/json/schema.hpp"
#include "junction/mcp/dispatcher.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {
class ActionService;
class ConnectorService;
class CredentialService;
}  // namespace junction::service

namespace junction::mcp {

class ActionSearchIndex;

struct ToolStep;

/// An outbound call a tool waits for (see PendingCall).
struct ToolPending {
    http_client::OutboundRequest request{};
    std::chrono::milliseconds delay{0};
    std::function<ToolStep(Result<http_client::OutboundResponse>)> resume{};
};

/// A tool's answer (its JSON output, or the error an assistant reads) or its next outbound call.
struct ToolStep {
    Result<boost::json::object> output{boost::json::object{}};
    std::shared_ptr<ToolPending> pending{};
};

/// The services the tools call: the same ones the REST endpoints use.
struct ToolServices {
    const connectors::Catalog& catalog;
    const service::ConnectorService& connectors;
    service::CredentialService& credentials;
    service::ActionService& actions;
    storage::CredentialStore& credential_store;
    const ActionSearchIndex& search;
};

/// The eight Connectivity tools (API.md §4.5): their `tools/list` payload and their calls,
/// with the server's restrictions applied. Thread-safe. Blocking pool; a tool MayRunInline
/// accepts may also run on an IO thread inside a NonBlockingScope.
class ToolSet {
public:
    /// Compiles the tools' input schemas (a bad built-in schema is a startup failure:
    /// kInternal).
    [[nodiscard]] static Result<std::unique_ptr<ToolSet>> Create(ToolServices services);

    /// `{"tools":[…]}`, always all eight.
    [[nodiscard]] const boost::json::object& ListResult() const { return list_result_; }
    [[nodiscard]] bool Has(std::string_view name) const;
    /// Whether tool `name` may run inside a NonBlockingScope (Api::TryInline): it only reads
    /// the store before any other effect, so a refused attempt can be rerun on the pool. False
    /// for unknown tools.
    [[nodiscard]] bool MayRunInline(std::string_view name) const;
    /// Runs tool `name` (REQUIRES: Has(name)) with `arguments` validated against its schema.
    [[nodiscard]] ToolStep Call(std::string_view name,
                                const boost::json::object& arguments,
                                const CallContext& context);

private:
    using Handler = ToolStep (ToolSet::*)(const boost::json::object&, const CallContext&);
    struct Tool {
        std::string name{};
        json::SchemaValidator schema;
        Handler handler = nullptr;
        bool may_run_inline = false;
    };

    explicit ToolSet(ToolServices services);

    ToolStep ListConnectors(const boost::json::object& arguments, const CallContext& context);
    ToolStep GetConnectorResources(const boost::json::object& arguments,
                                   const CallContext& context);
    ToolStep GetActionDetails(const boost::json::object& arguments, const CallContext& context);
    ToolStep ExecuteAction(const boost::json::object& arguments, const CallContext& context);
    ToolStep CreateCredential(const boost::json::object& arguments, const CallContext& context);
    ToolStep GetCredentials(const boost::json::object& arguments, const CallContext& context);
    ToolStep GetCredentialMetadata(const boost::json::object& arguments,
                                   const CallContext& context);
    ToolStep DiscoverActionPath(const boost::json::object& arguments, const CallContext& context);

    /// kConnectorNotFound, or kPermissionDenied when the server restricts it.
    [[nodiscard]] Result<const connectors::ConnectorSpec*> VisibleConnector(
        std::string_view connector_id, const CallContext& context) const;
    /// The credential an execute uses when the call names none (API.md §4.5).
    [[nodiscard]] Result<std::string> ChooseCredential(const connectors::ConnectorSpec& connector,
                                                       const CallContext& context);

    ToolServices services_;
    std::vector<Tool> tools_{};
    boost::json::object list_result_{};
};

}  // namespace junction::mcp
