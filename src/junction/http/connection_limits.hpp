#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace junction::http {

/// How many client connections the server holds (OPERATIONS.md, "Connection limits").
struct ConnectionCaps {
    std::size_t max_connections = 0;  // open at once, all clients together
    std::size_t max_per_ip = 0;       // open at once from one peer address
    // Beyond max_connections: connections that get a quick answer (503 or 429, or /healthz)
    // and are then closed. Past it a new connection is closed at once.
    std::size_t reserve = 0;
};

/// File descriptors kept for everything that is not a client connection: the database
/// (SQLite opens blocking_threads + 1 connections with their journal files, PostgreSQL up to
/// postgres_pool_size sockets), outbound connections to vendors (the curl thread's and each IO
/// thread's keep-alive pool), files being uploaded or downloaded, the log, the epoll, timer and
/// event descriptors of each IO thread, stdio and the master key file. An eighth of the limit,
/// at least 64 and at most 1,024: 128 of the usual 1,024, 1,024 of 65,536 and more.
[[nodiscard]] std::size_t NonClientDescriptors(std::uint64_t fd_limit);

/// The caps for a process that may hold `fd_limit` descriptors (RLIMIT_NOFILE's soft limit).
/// A configured value (non-zero) wins; a zero is derived:
/// - max_connections: the limit less the non-client descriptors and the reserve for that many
///   (882 of 1,024), at least 1;
/// - max_per_ip: a quarter of max_connections, at least 1 (220 of 1,024): room for a busy
///   client's connection pool, while three quarters stay for everyone else.
/// The reserve is always ReserveFor(max_connections).
[[nodiscard]] ConnectionCaps ResolveConnectionCaps(std::size_t configured_max,
                                                   std::size_t configured_per_ip,
                                                   std::uint64_t fd_limit);

/// The reserve for `max_connections`: a sixty-fourth, 8 to 256 (13 of 882).
[[nodiscard]] std::size_t ReserveFor(std::size_t max_connections);

/// Which cap a new connection would pass.
enum class OverCap { kNo, kPerIp, kGlobal };

/// What becomes of a new connection (ConnectionLimiter::Admit).
enum class Admission { kServe, kRefuse, kDrop };

/// Counts the open client connections, all together and per peer address, and says which cap
/// a new one passes. Connections from `exempt` addresses (trusted_proxies: every client of a
/// reverse proxy shares its address) count only against the global cap. Not thread-safe: the
/// server calls it under a lock, once when a connection opens and once when it closes.
class ConnectionLimiter {
public:
    ConnectionLimiter(ConnectionCaps caps, std::vector<std::string> exempt);

    [[nodiscard]] const ConnectionCaps& Caps() const { return caps_; }

    /// The cap a new connection from `ip` would pass, the per-address one first.
    [[nodiscard]] OverCap Check(const std::string& ip) const;

    /// What becomes of a new connection from `ip` that passes `over` (Check's answer), `shed`
    /// telling whether an idle connection is being closed to make room for it:
    /// - kServe: within the caps, or an idle connection makes room (while fewer than
    ///   max_connections + reserve are open: a shed connection counts until it has closed);
    /// - kRefuse: answered from the reserve (503 over the global cap, 429 over the address's
    ///   own; /healthz is served) and closed. While fewer than `reserve` refusals are in
    ///   progress, fewer than max_connections + reserve are open, and the address has fewer
    ///   than kRefusalsPerAddress refusals of its own;
    /// - kDrop: closed at once.
    /// Counts the connection unless it is dropped.
    [[nodiscard]] Admission Admit(const std::string& ip, OverCap over, bool shed);

    /// Uncounts a connection that has closed (`refusal`: it was admitted as kRefuse).
    void Remove(const std::string& ip, bool refusal);

    [[nodiscard]] std::size_t Open() const { return open_; }
    [[nodiscard]] std::size_t OpenFrom(const std::string& ip) const;
    [[nodiscard]] std::size_t Refusing() const { return refusing_; }

    static constexpr std::size_t kRefusalsPerAddress = 2;

private:
    [[nodiscard]] bool IsExempt(const std::string& ip) const;
    [[nodiscard]] bool CanRefuse(const std::string& ip) const;

    struct PerAddress {
        std::size_t open = 0;
        std::size_t refusing = 0;
    };

    ConnectionCaps caps_;
    std::vector<std::string> exempt_;
    std::size_t open_ = 0;
    std::size_t refusing_ = 0;
    std::unordered_map<std::string, PerAddress> by_ip_;
};

/// A connection as the shedding sees it: since when it has been idle (waiting for its next
/// request: nothing of it read yet, or only part of its head), in any monotonic unit; 0 while
/// it has a request in flight.
struct IdleSince {
    std::int64_t since = 0;
};

/// The positions in `connections` of the at most `count` connections idle the longest, longest
/// first (the order in which nginx reuses its keep-alive connections). Busy ones (0) are never
/// chosen.
[[nodiscard]] std::vector<std::size_t> OldestIdle(std::span<const IdleSince> connections,
                                                  std::size_t count);

}  // namespace junction::http
