#pragma once

// Internal to http_client_curl: the libcurl work shared by its two drivers, CurlHttpClient (a
// thread of its own) and IoContextCurlClient (an io_context's thread).

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <curl/curl.h>

#include "junction/core/result.hpp"
#include "junction/http_client/curl/curl_http_client.hpp"
#include "junction/http_client/egress_policy.hpp"
#include "junction/http_client/http_client.hpp"

namespace junction::http_client::curl {

using Clock = std::chrono::steady_clock;

struct EasyDeleter {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MimeDeleter {
    void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};

using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;
using MimePtr = std::unique_ptr<curl_mime, MimeDeleter>;

/// Streams one multipart file part from its ByteSource. Seekable, so curl can rewind it for a
/// resend. The reads happen on the thread that drives the engine: only CurlHttpClient's own
/// thread is given multipart calls (the server keeps them off the IO threads' clients).
struct PartReader {
    const ByteSource* source = nullptr;
    std::uint64_t offset = 0;
};

/// One call, across its redirect hops. Owned by its engine's driver once started.
struct Call {
    OutboundRequest request{};
    Completion done{};
    Clock::time_point started{};
    Clock::time_point deadline{};
    int redirects = 0;
    const EgressPolicy* policy = nullptr;

    // The current hop; reset by ResetHop. The multipart body outlives the easy handle that
    // sends it (declared first, destroyed last).
    std::vector<std::unique_ptr<PartReader>> part_readers{};
    MimePtr mime{};
    EasyPtr easy{};
    SlistPtr header_list{};
    bool plain_http = false;
    std::optional<Error> refusal{};  // set when a curl callback refused the address
    bool too_large = false;
    bool headers_too_large = false;
    std::size_t header_bytes = 0;
    std::chrono::milliseconds hop_connect_timeout{};
    std::chrono::milliseconds hop_timeout{};
    OutboundResponse response{};
    std::array<char, CURL_ERROR_SIZE> error_buffer{};

    void ResetHop() {
        easy.reset();
        mime.reset();
        part_readers.clear();
        header_list.reset();
        refusal.reset();
        too_large = false;
        headers_too_large = false;
        header_bytes = 0;
        response = {};
        error_buffer.fill('\0');
    }
};

/// Logs the call (never its query or headers) and runs its completion once, after freeing it.
void Finish(std::unique_ptr<Call> call, Result<OutboundResponse> result);

/// A new CURLM (libcurl initialised once per process first); kUnavailable when it cannot be.
[[nodiscard]] Result<CURLM*> NewMulti();

/// `options` with its trust store loaded (the system bundle alone) and a session share of its
/// own, where it has none.
[[nodiscard]] Result<CurlHttpClientOptions> WithTrust(CurlHttpClientOptions options);

/// One CURLM and the calls on it: every hop's options and egress checks, redirects, limits and
/// the mapping of outcomes to errors. The driver owns the waiting (how sockets and timeouts
/// reach curl). Not thread-safe: its driver calls it from one thread at a time.
class CurlEngine {
public:
    /// Takes ownership of `multi`. REQUIRES: `options.trust` and `options.sessions` are set
    /// (WithTrust).
    CurlEngine(EgressPolicy policy, CurlHttpClientOptions options, CURLM* multi);
    CurlEngine(const CurlEngine&) = delete;
    CurlEngine& operator=(const CurlEngine&) = delete;
    CurlEngine(CurlEngine&&) = delete;
    CurlEngine& operator=(CurlEngine&&) = delete;
    /// Fails the calls still active, then frees the CURLM.
    ~CurlEngine();

    [[nodiscard]] CURLM* Multi() const { return multi_; }
    [[nodiscard]] std::unique_ptr<Call> NewCall(OutboundRequest request, Completion done) const;
    /// Checks and starts the call's current hop, or finishes the call with the refusal.
    void StartHop(std::unique_ptr<Call> call);
    /// Finishes (or follows the redirect of) every transfer curl reports done.
    void CollectFinished();
    /// Every active call completes with ShuttingDown().
    void FailActive();
    /// Makes libcurl close its sockets through `closer` (a driver that watches sockets must
    /// forget one before its number can be reused). Before the first call.
    void SetSocketCloser(curl_closesocket_callback closer, void* data);

private:
    // Easy handles are reused: curl_easy_init and curl_easy_cleanup cost more than
    // curl_easy_reset, which keeps the TLS session cache (resumption on the next call).
    static constexpr std::size_t kMaxIdleEasy = 32;

    bool Configure(CURL* easy, Call& call) const;
    void HopDone(std::unique_ptr<Call> call, CURLcode code);
    EasyPtr TakeEasy();
    /// The hop's easy handle (already out of the multi) back to the pool, reset.
    void Recycle(Call& call);

    EgressPolicy policy_;
    CurlHttpClientOptions options_;
    CURLM* multi_;
    std::map<CURL*, std::unique_ptr<Call>> active_;
    std::vector<EasyPtr> idle_easy_;
    curl_closesocket_callback closer_ = nullptr;
    void* closer_data_ = nullptr;
};

}  // namespace junction::http_client::curl
