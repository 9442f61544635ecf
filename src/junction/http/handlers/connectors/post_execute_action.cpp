// POST /connectors/{connectorId}/actions/{actionId}/execute (API.md §3.2).
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/outbound_step.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/action_service.hpp"

namespace junction::http::handlers {
namespace {

std::function<bool(const Result<http_client::OutboundResponse>&)> ResumeBlocks(
    const std::shared_ptr<service::ActionCall>& call) {
    return [call](const Result<http_client::OutboundResponse>& outcome) {
        return call->OnOutcomeBlocks(outcome);
    };
}

// The answer to one upstream outcome: the final response, or the next step of the same call.
HttpResponse Continue(const std::shared_ptr<service::ActionCall>& call,
                      const std::string& request_id,
                      Result<http_client::OutboundResponse> outcome) {
    service::ActionStep step = call->OnOutcome(std::move(outcome));
    if (step.next) {
        HttpResponse pending;
        pending.next = std::make_shared<OutboundStep>(
            OutboundStep{.request = std::move(*step.next),
                         .delay = step.delay,
                         .resume =
                             [call, request_id](Result<http_client::OutboundResponse> next) {
                                 return Continue(call, request_id, std::move(next));
                             },
                         .resume_blocks = ResumeBlocks(call)});
        return pending;
    }
    if (!step.result) {
        return ToHttpResponse(step.result.error(), request_id);
    }
    return JsonResponse(200, *step.result);
}

}  // namespace

HttpResponse PostExecuteAction(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    auto call = exchange.services.actions.Start(exchange.effective_user,
                                                exchange.PathParam("connectorId"),
                                                exchange.PathParam("actionId"),
                                                **object);
    if (!call) {
        return ToHttpResponse(call.error(), exchange.request_id);
    }
    HttpResponse pending;
    pending.next = std::make_shared<OutboundStep>(OutboundStep{
        .request = (*call)->FirstRequest(),
        .resume =
            [call = *call,
             request_id = exchange.request_id](Result<http_client::OutboundResponse> outcome) {
                return Continue(call, request_id, std::move(outcome));
            },
        .resume_blocks = ResumeBlocks(*call)});
    return pending;
}

}  // namespace junction::http::handlers
