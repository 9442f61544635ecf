#include "junction/http_client/curl/session_share.hpp"

#include <curl/curl.h>

namespace junction::http_client::curl {

namespace {

static_assert(CURL_LOCK_DATA_LAST <= 8, "one mutex per lock data");

void Lock(CURL* /*easy*/, curl_lock_data data, curl_lock_access /*access*/, void* self) {
    static_cast<SessionShare*>(self)->MutexFor(static_cast<std::size_t>(data)).lock();
}

void Unlock(CURL* /*easy*/, curl_lock_data data, void* self) {
    static_cast<SessionShare*>(self)->MutexFor(static_cast<std::size_t>(data)).unlock();
}

}  // namespace

Result<std::shared_ptr<SessionShare>> SessionShare::Create() {
    std::shared_ptr<SessionShare> share(new SessionShare());
    CURLSH* handle = curl_share_init();
    if (handle == nullptr) {
        return Fail(ErrorCode::kUnavailable, "libcurl could not be initialised", "curl_share_init");
    }
    share->handle_ = handle;
    const bool ok =
        curl_share_setopt(handle, CURLSHOPT_LOCKFUNC, &Lock) == CURLSHE_OK &&
        curl_share_setopt(handle, CURLSHOPT_UNLOCKFUNC, &Unlock) == CURLSHE_OK &&
        curl_share_setopt(handle, CURLSHOPT_USERDATA, share.get()) == CURLSHE_OK &&
        curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK &&
        curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK;
    if (!ok) {
        return Fail(
            ErrorCode::kUnavailable, "libcurl could not be initialised", "curl_share_setopt");
    }
    return share;
}

SessionShare::~SessionShare() {
    if (handle_ != nullptr) {
        curl_share_cleanup(handle_);
    }
}

}  // namespace junction::http_client::curl
