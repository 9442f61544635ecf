#include "junction/http_client/curl/curl_engine.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "junction/core/ascii.hpp"
#include "junction/core/log.hpp"
#include "junction/http_client/redirect.hpp"

namespace junction::http_client::curl {
namespace {

constexpr std::size_t kMaxHeaderBytes = 256UL * 1024;

std::size_t ReadPart(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* reader = static_cast<PartReader*>(user);
    auto read = reader->source->ReadAt(reader->offset, buffer, size * count);
    if (!read) {
        return CURL_READFUNC_ABORT;
    }
    reader->offset += *read;
    return *read;
}

int SeekPart(void* user, curl_off_t offset, int origin) {
    auto* reader = static_cast<PartReader*>(user);
    if (origin != SEEK_SET || offset < 0) {
        return CURL_SEEKFUNC_CANTSEEK;
    }
    reader->offset = static_cast<std::uint64_t>(offset);
    return CURL_SEEKFUNC_OK;
}

/// Builds the hop's multipart body: fields from memory, files streamed from their source.
bool AttachMultipart(CURL* easy, Call& call) {
    call.mime.reset(curl_mime_init(easy));
    if (!call.mime) {
        return false;
    }
    bool ok = true;
    for (const auto& part : *call.request.multipart) {
        curl_mimepart* added = curl_mime_addpart(call.mime.get());
        if (added == nullptr) {
            return false;
        }
        ok = ok && curl_mime_name(added, part.name.c_str()) == CURLE_OK;
        if (!part.filename.empty()) {
            ok = ok && curl_mime_filename(added, part.filename.c_str()) == CURLE_OK;
        }
        if (!part.content_type.empty()) {
            ok = ok && curl_mime_type(added, part.content_type.c_str()) == CURLE_OK;
        }
        if (part.file) {
            auto& reader = call.part_readers.emplace_back(
                std::make_unique<PartReader>(PartReader{.source = part.file.get()}));
            ok = ok && curl_mime_data_cb(added,
                                         static_cast<curl_off_t>(part.file->Size()),
                                         &ReadPart,
                                         &SeekPart,
                                         nullptr,
                                         reader.get()) == CURLE_OK;
        } else {
            ok = ok && curl_mime_data(added, part.data.data(), part.data.size()) == CURLE_OK;
        }
    }
    return ok;
}

std::string Trim(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) {
        return {};
    }
    const auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
    auto* call = static_cast<Call*>(user);
    const std::size_t bytes = size * count;
    if (call->response.body.size() + bytes > call->request.max_response_bytes) {
        call->too_large = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    call->response.body.append(data, bytes);
    return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto* call = static_cast<Call*>(user);
    const std::size_t bytes = size * count;
    const std::string_view line(data, bytes);
    if (line.starts_with("HTTP/")) {
        // A new response (after 1xx): keep only the last one's headers.
        call->response.headers.clear();
        call->header_bytes = 0;
    }
    call->header_bytes += bytes;
    if (call->header_bytes > kMaxHeaderBytes) {
        call->headers_too_large = true;
        return 0;
    }
    if ((line.starts_with(' ') || line.starts_with('\t')) && !call->response.headers.empty()) {
        call->response.headers.back().second += " " + Trim(line);  // obsolete line folding
        return bytes;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.starts_with("HTTP/")) {
        return bytes;
    }
    call->response.headers.emplace_back(AsciiLowercase(line.substr(0, colon)),
                                        Trim(line.substr(colon + 1)));
    return bytes;
}

// The resolved address is checked before connecting: DNS rebinding gains nothing.
curl_socket_t OnOpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
    auto* call = static_cast<Call*>(user);
    if (purpose != CURLSOCKTYPE_IPCXN) {
        return CURL_SOCKET_BAD;
    }
    auto checked = call->policy->CheckAddress(
        &address->addr, call->request.allow_private_network, call->plain_http);
    if (!checked) {
        call->refusal = std::move(checked.error());
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// Runs for new and reused connections alike, just before the request is sent: a connection
// opened for another call (with other rules) is judged again for this one.
int OnPrerequest(
    void* user, char* primary_ip, char* /*local_ip*/, int primary_port, int /*local_port*/) {
    auto* call = static_cast<Call*>(user);
    sockaddr_storage storage{};
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    if (inet_pton(AF_INET, primary_ip, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(static_cast<std::uint16_t>(primary_port));
        std::memcpy(&storage, &v4, sizeof v4);
    } else if (inet_pton(AF_INET6, primary_ip, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(static_cast<std::uint16_t>(primary_port));
        std::memcpy(&storage, &v6, sizeof v6);
    }
    auto checked = call->policy->CheckAddress(reinterpret_cast<const sockaddr*>(&storage),
                                              call->request.allow_private_network,
                                              call->plain_http);
    if (!checked) {
        call->refusal = std::move(checked.error());
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

using NewSessionCallback = int (*)(SSL*, SSL_SESSION*);
// libcurl's own "new session" callback (the same function for every connection).
std::atomic<NewSessionCallback>& LibcurlNewSession() {
    static std::atomic<NewSessionCallback> callback{nullptr};
    return callback;
}

// OpenSSL marks a session not resumable when the connection that holds it ends without a
// close_notify (a vendor dropping a used-up or idle connection; libcurl closing one it found
// dead). The sessions in libcurl's cache are shared by every later connection to the host, so
// no connection may hold one: the cache stores a copy of each new session, and a connection
// resuming one swaps it for a private copy before its ClientHello.
int CacheSessionCopy(SSL* ssl, SSL_SESSION* session) {
    const NewSessionCallback store = LibcurlNewSession().load();
    SSL_SESSION* copy = store != nullptr ? SSL_SESSION_dup(session) : nullptr;
    if (copy != nullptr && store(ssl, copy) == 0) {
        SSL_SESSION_free(copy);  // not kept: ours to free
    }
    return 0;  // `session` stays OpenSSL's
}

void ResumeFromPrivateCopy(const SSL* ssl, int where, int /*value*/) {
    if ((where & SSL_CB_HANDSHAKE_START) == 0) {
        return;
    }
    auto* connection = const_cast<SSL*>(ssl);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    SSL_SESSION* cached = SSL_get_session(connection);
    if (cached == nullptr || SSL_in_before(connection) == 0) {
        return;
    }
    SSL_SESSION* mine = SSL_SESSION_dup(cached);
    if (mine != nullptr) {
        SSL_set_session(connection, mine);  // takes its own reference
        SSL_SESSION_free(mine);
    }
}

// New TLS connections only, after libcurl has set its context up: verify against the shared,
// preloaded store instead of the (empty) one libcurl gave it, and keep cached sessions out of
// connections' hands.
CURLcode OnSslContext(CURL* /*easy*/, void* ssl_ctx, void* store) {
    auto* context = static_cast<SSL_CTX*>(ssl_ctx);
    SSL_CTX_set1_cert_store(context, static_cast<X509_STORE*>(store));
    if (const NewSessionCallback libcurl = SSL_CTX_sess_get_new_cb(context);
        libcurl != nullptr && libcurl != &CacheSessionCopy) {
        LibcurlNewSession().store(libcurl);
        SSL_CTX_sess_set_new_cb(context, &CacheSessionCopy);
    }
    SSL_CTX_set_info_callback(context, &ResumeFromPrivateCopy);
    return CURLE_OK;
}

bool IsTlsError(CURLcode code) {
    switch (code) {
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CLIENTCERT:
        case CURLE_USE_SSL_FAILED:
            return true;
        default:
            return false;
    }
}

Error MapFailure(Call& call, CURLcode code) {
    std::string detail = curl_easy_strerror(code);
    if (call.error_buffer[0] != '\0') {
        detail += ": ";
        detail += call.error_buffer.data();
    }
    if (call.refusal.has_value()) {
        return std::move(*call.refusal);
    }
    if (call.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        return ResponseTooLarge(call.request.max_response_bytes);
    }
    if (call.headers_too_large) {
        return ResponseTooLarge(kMaxHeaderBytes);
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        curl_off_t connect_us = 0;
        curl_easy_getinfo(call.easy.get(), CURLINFO_CONNECT_TIME_T, &connect_us);
        if (connect_us == 0 && call.hop_connect_timeout < call.hop_timeout) {
            return UpstreamError(
                "connection_failed", "Could not connect to the upstream API", detail);
        }
        return UpstreamTimeout(call.request.timeout);
    }
    if (IsTlsError(code)) {
        return UpstreamError("tls_error", "TLS with the upstream API failed", detail);
    }
    if (code == CURLE_UNSUPPORTED_PROTOCOL) {
        return UpstreamError("egress_denied", "Outbound request blocked by egress policy", detail);
    }
    return UpstreamError("connection_failed", "Could not connect to the upstream API", detail);
}

// curl_global_init is not thread-safe and must run once before any other libcurl call.
CURLcode GlobalInit() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_ALL); });
    return result;
}

}  // namespace

void Finish(std::unique_ptr<Call> call, Result<OutboundResponse> result) {
    LogOutboundCall(call->request, call->started, result);
    Completion done = std::move(call->done);
    call.reset();  // the easy handle goes before the callback runs
    done(std::move(result));
}

Result<CURLM*> NewMulti() {
    if (const CURLcode init = GlobalInit(); init != CURLE_OK) {
        return Fail(
            ErrorCode::kUnavailable, "libcurl could not be initialised", curl_easy_strerror(init));
    }
    CURLM* multi = curl_multi_init();
    if (multi == nullptr) {
        return Fail(ErrorCode::kUnavailable, "libcurl could not be initialised", "curl_multi_init");
    }
    return multi;
}

Result<CurlHttpClientOptions> WithTrust(CurlHttpClientOptions options) {
    if (const CURLcode init = GlobalInit(); init != CURLE_OK) {
        return Fail(
            ErrorCode::kUnavailable, "libcurl could not be initialised", curl_easy_strerror(init));
    }
    if (!options.trust) {
        auto trust = TlsTrust::Load("", "");
        if (!trust) {
            return Fail(std::move(trust.error()));
        }
        options.trust = std::move(*trust);
    }
    if (!options.sessions) {
        auto sessions = SessionShare::Create();
        if (!sessions) {
            return Fail(std::move(sessions.error()));
        }
        options.sessions = std::move(*sessions);
    }
    return options;
}

CurlEngine::CurlEngine(EgressPolicy policy, CurlHttpClientOptions options, CURLM* multi)
    : policy_(std::move(policy)), options_(std::move(options)), multi_(multi) {
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, options_.max_idle_connections);
}

CurlEngine::~CurlEngine() {
    FailActive();
    idle_easy_.clear();
    curl_multi_cleanup(multi_);
}

void CurlEngine::SetSocketCloser(curl_closesocket_callback closer, void* data) {
    closer_ = closer;
    closer_data_ = data;
}

std::unique_ptr<Call> CurlEngine::NewCall(OutboundRequest request, Completion done) const {
    auto call = std::make_unique<Call>();
    call->started = Clock::now();
    call->deadline = call->started + request.timeout;
    call->request = std::move(request);
    call->done = std::move(done);
    call->policy = &policy_;
    return call;
}

void CurlEngine::FailActive() {
    auto active = std::move(active_);
    active_.clear();
    for (auto& [easy, call] : active) {
        curl_multi_remove_handle(multi_, easy);
        call->ResetHop();
        Finish(std::move(call), Fail(ShuttingDown()));
    }
}

void CurlEngine::CollectFinished() {
    std::vector<std::pair<CURL*, CURLcode>> finished;
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
        if (message->msg == CURLMSG_DONE) {
            // NOLINTNEXTLINE(cppcoreguidelines-pro-type-union-access): libcurl's C API
            finished.emplace_back(message->easy_handle, message->data.result);
        }
    }
    for (const auto& [easy, code] : finished) {
        const auto found = active_.find(easy);
        if (found == active_.end()) {
            continue;
        }
        std::unique_ptr<Call> call = std::move(found->second);
        active_.erase(found);
        curl_multi_remove_handle(multi_, easy);
        HopDone(std::move(call), code);
    }
}

/// Validates and starts the current hop of `call`, or finishes it.
void CurlEngine::StartHop(std::unique_ptr<Call> call) {
    OutboundRequest& request = call->request;
    if (auto allowed =
            policy_.CheckUrl(request.url, request.allowed_hosts, request.allow_private_network);
        !allowed) {
        Error refusal = HopRefusal(std::move(allowed.error()), call->redirects);
        return Finish(std::move(call), Fail(std::move(refusal)));
    }
    if (auto shaped = CheckRequestShape(request); !shaped) {
        return Finish(std::move(call), Fail(std::move(shaped.error())));
    }
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(call->deadline - Clock::now());
    if (remaining.count() <= 0) {
        return Finish(std::move(call), Fail(UpstreamTimeout(request.timeout)));
    }
    EasyPtr easy = TakeEasy();
    if (!easy) {
        return Finish(std::move(call),
                      Fail(ErrorCode::kUnavailable, "Out of resources for outbound calls"));
    }
    call->plain_http = IsPlainHttpUrl(request.url);
    call->hop_timeout = remaining;
    call->hop_connect_timeout = std::min(options_.connect_timeout, remaining);
    if (!Configure(easy.get(), *call)) {
        return Finish(std::move(call),
                      Fail(ErrorCode::kInternal, "Outbound request could not be prepared"));
    }
    call->easy = std::move(easy);
    CURL* handle = call->easy.get();
    if (curl_multi_add_handle(multi_, handle) != CURLM_OK) {
        return Finish(std::move(call),
                      Fail(ErrorCode::kUnavailable, "Out of resources for outbound calls"));
    }
    active_.emplace(handle, std::move(call));
}

/// Sets every option of one hop; false when libcurl refuses one (a build without a
/// feature we require).
bool CurlEngine::Configure(CURL* easy, Call& call) const {
    const OutboundRequest& request = call.request;
    curl_slist* list = nullptr;
    const auto append = [&](const std::string& line) {
        curl_slist* grown = curl_slist_append(list, line.c_str());
        if (grown != nullptr) {
            list = grown;
        }
        return grown != nullptr;
    };
    bool ok = true;
    for (const auto& [name, value] : request.headers) {
        // "Name;" is curl's way to send a header with an empty value.
        std::string line = name;
        if (value.empty()) {
            line += ';';
        } else {
            line.append(": ").append(value);
        }
        ok = ok && append(line);
    }
    if (!HasHeader(request, "expect")) {
        ok = ok && append("Expect:");  // no 100-continue round trip
    }
    if (!HasHeader(request, "content-type") && !request.multipart) {
        ok = ok && append("Content-Type:");  // not curl's form-urlencoded default
    }
    call.header_list.reset(list);
    if (!ok) {
        return false;
    }

    int failures = 0;
    const auto set = [&](CURLoption option, auto value) {
        failures += curl_easy_setopt(easy, option, value) == CURLE_OK ? 0 : 1;
    };
    set(CURLOPT_URL, request.url.c_str());
    set(CURLOPT_PROTOCOLS_STR, call.plain_http ? "http,https" : "https");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_PROXY, "");
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    // libcurl loads nothing itself (with a CA path set it would re-read the bundle per
    // connection); OnSslContext hands each new connection the preloaded store.
    set(CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    set(CURLOPT_SSL_CTX_FUNCTION, &OnSslContext);
    set(CURLOPT_SSL_CTX_DATA, static_cast<void*>(options_.trust->Store()));
    set(CURLOPT_SHARE, static_cast<CURLSH*>(options_.sessions->Handle()));
    set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    set(CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl can decode
    set(CURLOPT_USERAGENT, options_.user_agent.c_str());
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(call.hop_timeout.count()));
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(call.hop_connect_timeout.count()));
    set(CURLOPT_MAXFILESIZE_LARGE,
        static_cast<curl_off_t>(std::min<std::size_t>(
            request.max_response_bytes,
            static_cast<std::size_t>(std::numeric_limits<curl_off_t>::max()))));
    set(CURLOPT_HTTPHEADER, call.header_list.get());
    set(CURLOPT_WRITEFUNCTION, &OnBody);
    set(CURLOPT_WRITEDATA, &call);
    set(CURLOPT_HEADERFUNCTION, &OnHeader);
    set(CURLOPT_HEADERDATA, &call);
    set(CURLOPT_OPENSOCKETFUNCTION, &OnOpenSocket);
    set(CURLOPT_OPENSOCKETDATA, &call);
    set(CURLOPT_PREREQFUNCTION, &OnPrerequest);
    set(CURLOPT_PREREQDATA, &call);
    set(CURLOPT_ERRORBUFFER, call.error_buffer.data());
    if (closer_ != nullptr) {
        set(CURLOPT_CLOSESOCKETFUNCTION, closer_);
        set(CURLOPT_CLOSESOCKETDATA, closer_data_);
    }
    if (request.multipart) {
        if (!AttachMultipart(easy, call)) {
            return false;
        }
        set(CURLOPT_MIMEPOST, call.mime.get());
        if (request.method != "POST") {
            set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }
    } else if (request.method == "HEAD") {
        set(CURLOPT_NOBODY, 1L);
    } else if (request.method == "GET" && request.body.empty()) {
        set(CURLOPT_HTTPGET, 1L);
    } else {
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
            request.method == "PATCH") {
            set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
            set(CURLOPT_POSTFIELDS, request.body.data());
        }
        if (request.method != "POST") {
            set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }
    }
    return failures == 0;
}

EasyPtr CurlEngine::TakeEasy() {
    if (idle_easy_.empty()) {
        return EasyPtr(curl_easy_init());
    }
    EasyPtr easy = std::move(idle_easy_.back());
    idle_easy_.pop_back();
    return easy;
}

void CurlEngine::Recycle(Call& call) {
    if (call.easy && idle_easy_.size() < kMaxIdleEasy) {
        curl_easy_reset(call.easy.get());
        idle_easy_.push_back(std::move(call.easy));
    }
    call.easy.reset();
}

void CurlEngine::HopDone(std::unique_ptr<Call> call, CURLcode code) {
    if (code != CURLE_OK) {
        Error error = MapFailure(*call, code);
        Recycle(*call);
        return Finish(std::move(call), Fail(std::move(error)));
    }
    long status = 0;
    curl_easy_getinfo(call->easy.get(), CURLINFO_RESPONSE_CODE, &status);
    Recycle(*call);
    call->response.status = static_cast<int>(status);
    const OutboundRequest& request = call->request;
    const auto location = call->response.Header("location");
    if (request.max_redirects > 0 && IsFollowableRedirect(call->response.status) &&
        location.has_value()) {
        const std::string next_location(*location);
        if (auto next = FollowRedirect(
                call->request, call->redirects, call->response.status, next_location);
            !next) {
            return Finish(std::move(call), Fail(std::move(next.error())));
        }
        ++call->redirects;
        call->ResetHop();
        return StartHop(std::move(call));
    }
    call->response.effective_url = request.url;
    OutboundResponse response = std::move(call->response);
    Finish(std::move(call), std::move(response));
}

}  // namespace junction::http_client::curl
