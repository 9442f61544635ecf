// POST /connectors/files/upload/request and /connectors/files/download/request (API.md §3.5).
#include "junction/core/clock.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/file_service.hpp"

namespace junction::http::handlers {

HttpResponse PostFileUploadRequest(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    // Lengths and formats are the service's rules (filename 1-255, type/subtype, MD5 forms).
    json::FieldReader fields(**object);
    const json::StringRule any{.min_length = 1, .max_length = 1024};
    const auto filename = fields.RequiredString("filename", any);
    const auto mime_type = fields.RequiredString("mimeType", any);
    const auto md5 = fields.RequiredString("md5", any);
    if (!fields.Ok()) {
        return ToHttpResponse(fields.ToError(), exchange.request_id);
    }
    auto ticket =
        exchange.services.files.RequestUpload(exchange.effective_user, *filename, *mime_type, *md5);
    if (!ticket) {
        return ToHttpResponse(ticket.error(), exchange.request_id);
    }
    // The signed URL is a bearer capability until it expires.
    return SecretJsonResponse(
        200,
        boost::json::object{
            {"presignedUrl",
             boost::json::object{{"md5", ticket->md5_base64},
                                 {"presignedUrl", ticket->url},
                                 {"type", ticket->type},
                                 {"s3Key", ticket->s3_key},
                                 {"expiresAt", FormatTimestamp(ticket->expires_at)}}}});
}

HttpResponse PostFileDownloadRequest(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    json::FieldReader fields(**object);
    const auto s3_key = fields.RequiredString("s3Key", {.min_length = 1, .max_length = 1024});
    if (!fields.Ok()) {
        return ToHttpResponse(fields.ToError(), exchange.request_id);
    }
    auto ticket = exchange.services.files.RequestDownload(exchange.effective_user, *s3_key);
    if (!ticket) {
        return ToHttpResponse(ticket.error(), exchange.request_id);
    }
    // The signed URL is a bearer capability until it expires.
    return SecretJsonResponse(
        200,
        boost::json::object{
            {"downloadUrl",
             boost::json::object{{"url", ticket->url},
                                 {"s3Key", ticket->s3_key},
                                 {"expiresAt", FormatTimestamp(ticket->expires_at)}}}});
}

}  // namespace junction::http::handlers
