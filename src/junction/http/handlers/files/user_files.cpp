// GET /connectors/files/list and DELETE /connectors/files/{s3Key} (API.md §3.5).
#include "junction/core/clock.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/query.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/file_service.hpp"

namespace junction::http::handlers {

HttpResponse GetFiles(Exchange& exchange) {
    auto page = ParsePage(exchange.query);
    if (!page) {
        return ToHttpResponse(page.error(), exchange.request_id);
    }
    auto listed = exchange.services.files.List(exchange.effective_user, *page);
    if (!listed) {
        return ToHttpResponse(listed.error(), exchange.request_id);
    }
    boost::json::array files;
    for (const auto& file : listed->items) {
        files.push_back(boost::json::object{{"s3Key", file.s3_key},
                                            {"filename", file.filename},
                                            {"size", file.size},
                                            {"lastModified", FormatTimestamp(file.updated_at)},
                                            {"mimeType", file.mime_type},
                                            {"md5", service::Md5Base64(file.md5)}});
    }
    HttpResponse response = JsonResponse(200, boost::json::object{{"files", std::move(files)}});
    response.SetHeader("X-Total-Count", std::to_string(listed->total));
    return response;
}

HttpResponse DeleteFile(Exchange& exchange) {
    auto deleted =
        exchange.services.files.Delete(exchange.effective_user, exchange.PathParam("s3Key"));
    if (!deleted) {
        return ToHttpResponse(deleted.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"success", true}, {"message", "File deleted"}});
}

}  // namespace junction::http::handlers
