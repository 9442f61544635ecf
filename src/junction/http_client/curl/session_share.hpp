#pragma once

#include <array>
#include <memory>
#include <mutex>

#include "junction/core/result.hpp"

namespace junction::http_client::curl {

/// One libcurl share handle for TLS sessions and DNS answers, used by every curl client of the
/// process (the blocking pool's and each IO thread's), so that a new connection to a vendor
/// resumes a session whichever thread made the earlier one.
///
/// Thread-safety: libcurl takes this object's locks around every use of the shared data (new
/// connections and lookups only; a call on a kept-alive connection takes none).
/// Lifetime: must outlive every easy handle attached to it; clients hold it by shared_ptr.
class SessionShare {
public:
    /// kUnavailable when libcurl cannot make a share handle.
    [[nodiscard]] static Result<std::shared_ptr<SessionShare>> Create();
    SessionShare(const SessionShare&) = delete;
    SessionShare& operator=(const SessionShare&) = delete;
    SessionShare(SessionShare&&) = delete;
    SessionShare& operator=(SessionShare&&) = delete;
    ~SessionShare();

    /// The CURLSH*, for CURLOPT_SHARE.
    [[nodiscard]] void* Handle() const { return handle_; }
    /// The lock of one kind of shared data (libcurl's lock callbacks).
    [[nodiscard]] std::mutex& MutexFor(std::size_t data) { return locks_.at(data); }

private:
    SessionShare() = default;

    void* handle_ = nullptr;
    // One per curl_lock_data value libcurl may lock (CURL_LOCK_DATA_LAST is 7 in 7.88).
    std::array<std::mutex, 8> locks_{};
};

}  // namespace junction::http_client::curl
