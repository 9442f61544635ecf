#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "junction/http/types.hpp"

namespace junction::http {

/// How the bytes after a response head are delimited.
enum class BodyFraming {
    kContentLength,  // `content_length` bytes follow
    kChunked,        // chunked transfer coding (streamed answers)
};

/// What the server adds to a handler's headers when it writes the head.
struct ResponseHeadFields {
    unsigned version = 11;  // 10 or 11, the request's
    std::string_view request_id;
    bool keep_alive = true;
    BodyFraming framing = BodyFraming::kContentLength;
    std::uint64_t content_length = 0;
};

/// The status line and header block of `response`, ending with the empty line. Written by hand
/// rather than through Beast's fields and serializer, which allocate per header and walk a
/// buffer sequence on every answer.
///
/// The handler's headers keep their order; a name given twice (any case) keeps its last value.
/// X-Request-Id, Connection, Content-Length and Transfer-Encoding come from `fields` only, and
/// a header whose name or value could break the framing (CR, LF, NUL; an empty or spaced
/// name) is dropped, so no handler can split a response. 1xx, 204 and 304 answers carry no
/// Content-Length (RFC 9110 §8.6).
[[nodiscard]] std::string FormatResponseHead(const HttpResponse& response,
                                             const ResponseHeadFields& fields);

}  // namespace junction::http
