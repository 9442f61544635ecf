// PUT and GET /files/{s3Key}?expires&signature: the signed URLs (API.md §3.5). The signature
// authorizes; no API key, no rate limit, no version header.
#include <charconv>
#include <memory>
#include <utility>

#include "junction/http/handlers/handlers.hpp"
#include "junction/http/query.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/file_service.hpp"

namespace junction::http::handlers {
namespace {

service::SignedUrl ReadSignedUrl(const Exchange& exchange) {
    service::SignedUrl url{.s3_key = std::string(exchange.PathParam("s3Key"))};
    if (auto expires = QueryValue(exchange.query, "expires")) {
        url.expires = std::string(*expires);
    }
    if (auto signature = QueryValue(exchange.query, "signature")) {
        url.signature = std::string(*signature);
    }
    return url;
}

std::optional<std::string> HeaderValue(const Exchange& exchange, std::string_view name) {
    auto value = exchange.request.Header(name);
    return value ? std::optional<std::string>(*value) : std::nullopt;
}

/// Feeds a signed PUT's body to the service's upload and answers with the stored file.
class UploadSink final : public BodySink {
public:
    explicit UploadSink(std::unique_ptr<service::FileUpload> upload) : upload_(std::move(upload)) {}

    [[nodiscard]] Result<void> Write(std::string_view chunk) override {
        return upload_->Append(chunk);
    }

    [[nodiscard]] HttpResponse Finish(const std::string& request_id) override {
        auto stored = upload_->Finish();
        if (!stored) {
            return ToHttpResponse(stored.error(), request_id);
        }
        HttpResponse response =
            JsonResponse(200,
                         boost::json::object{{"s3Key", stored->s3_key},
                                             {"md5", service::Md5Base64(stored->md5)},
                                             {"size", stored->size}});
        response.SetHeader("ETag", "\"" + stored->md5 + "\"");
        return response;
    }

private:
    std::unique_ptr<service::FileUpload> upload_;
};

}  // namespace

HttpResponse PutFileSigned(Exchange& exchange) {
    service::UploadHeaders headers{.content_type = HeaderValue(exchange, "content-type"),
                                   .content_md5 = HeaderValue(exchange, "content-md5")};
    if (auto length = exchange.request.Header("content-length")) {
        std::uint64_t value = 0;
        const auto [ptr, ec] =
            std::from_chars(length->data(), length->data() + length->size(), value);
        if (ec == std::errc{} && ptr == length->data() + length->size()) {
            headers.content_length = value;
        }
    }
    auto upload = exchange.services.files.BeginUpload(ReadSignedUrl(exchange), headers);
    if (!upload) {
        return ToHttpResponse(upload.error(), exchange.request_id);
    }
    HttpResponse response;
    response.sink = std::make_shared<UploadSink>(std::move(*upload));
    return response;
}

HttpResponse GetFileSigned(Exchange& exchange) {
    auto opened = exchange.services.files.OpenSigned(ReadSignedUrl(exchange));
    if (!opened) {
        return ToHttpResponse(opened.error(), exchange.request_id);
    }
    const auto& row = opened->row;
    HttpResponse response;
    response.SetHeader("Content-Type", row.mime_type);
    response.SetHeader("Content-MD5", service::Md5Base64(row.md5));
    response.SetHeader("ETag", "\"" + row.md5 + "\"");
    // The filename cannot hold `"` safely in a quoted-string: escape it (RFC 9110 §5.6.4).
    std::string quoted;
    for (const char c : row.filename) {
        if (c == '"') {
            quoted += '\\';
        }
        quoted += c;
    }
    response.SetHeader("Content-Disposition", "attachment; filename=\"" + quoted + "\"");
    response.SetHeader("Cache-Control", "private, no-store");
    response.file_body = std::move(opened->bytes);
    return response;
}

}  // namespace junction::http::handlers
