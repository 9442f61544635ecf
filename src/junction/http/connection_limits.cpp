#include "junction/http/connection_limits.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace junction::http {

std::size_t NonClientDescriptors(std::uint64_t fd_limit) {
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(fd_limit / 8, 64, 1024));
}

std::size_t ReserveFor(std::size_t max_connections) {
    return std::clamp<std::size_t>(max_connections / 64, 8, 256);
}

ConnectionCaps ResolveConnectionCaps(std::size_t configured_max,
                                     std::size_t configured_per_ip,
                                     std::uint64_t fd_limit) {
    ConnectionCaps caps;
    if (configured_max > 0) {
        caps.max_connections = configured_max;
    } else {
        // ReserveFor grows with its argument, so max + ReserveFor(max) stays within `usable`.
        const std::uint64_t non_client = NonClientDescriptors(fd_limit);
        const std::uint64_t usable = fd_limit > non_client ? fd_limit - non_client : 0;
        const std::uint64_t reserve = ReserveFor(static_cast<std::size_t>(
            std::min<std::uint64_t>(usable, std::numeric_limits<std::size_t>::max())));
        caps.max_connections =
            usable > reserve ? static_cast<std::size_t>(usable - reserve) : std::size_t{1};
    }
    caps.reserve = ReserveFor(caps.max_connections);
    caps.max_per_ip = configured_per_ip > 0 ? configured_per_ip
                                            : std::max<std::size_t>(caps.max_connections / 4, 1);
    return caps;
}

ConnectionLimiter::ConnectionLimiter(ConnectionCaps caps, std::vector<std::string> exempt)
    : caps_(caps), exempt_(std::move(exempt)) {}

bool ConnectionLimiter::IsExempt(const std::string& ip) const {
    return std::find(exempt_.begin(), exempt_.end(), ip) != exempt_.end();
}

std::size_t ConnectionLimiter::OpenFrom(const std::string& ip) const {
    const auto found = by_ip_.find(ip);
    return found == by_ip_.end() ? 0 : found->second.open;
}

OverCap ConnectionLimiter::Check(const std::string& ip) const {
    if (!IsExempt(ip) && OpenFrom(ip) >= caps_.max_per_ip) {
        return OverCap::kPerIp;
    }
    return open_ >= caps_.max_connections ? OverCap::kGlobal : OverCap::kNo;
}

bool ConnectionLimiter::CanRefuse(const std::string& ip) const {
    const auto found = by_ip_.find(ip);
    const std::size_t own = found == by_ip_.end() ? 0 : found->second.refusing;
    return refusing_ < caps_.reserve && open_ < caps_.max_connections + caps_.reserve &&
           own < kRefusalsPerAddress;
}

Admission ConnectionLimiter::Admit(const std::string& ip, OverCap over, bool shed) {
    Admission admission = Admission::kDrop;
    if (over == OverCap::kNo || (shed && open_ < caps_.max_connections + caps_.reserve)) {
        admission = Admission::kServe;
    } else if (CanRefuse(ip)) {
        admission = Admission::kRefuse;
    }
    if (admission == Admission::kDrop) {
        return admission;
    }
    const bool refusal = admission == Admission::kRefuse;
    PerAddress& mine = by_ip_[ip];
    ++mine.open;
    ++open_;
    if (refusal) {
        ++mine.refusing;
        ++refusing_;
    }
    return admission;
}

void ConnectionLimiter::Remove(const std::string& ip, bool refusal) {
    const auto found = by_ip_.find(ip);
    if (found == by_ip_.end()) {
        return;
    }
    PerAddress& mine = found->second;
    if (mine.open > 0) {
        --mine.open;
        --open_;
    }
    if (refusal && mine.refusing > 0) {
        --mine.refusing;
        --refusing_;
    }
    if (mine.open == 0) {
        by_ip_.erase(found);
    }
}

std::vector<std::size_t> OldestIdle(std::span<const IdleSince> connections, std::size_t count) {
    std::vector<std::size_t> idle;
    idle.reserve(connections.size());
    for (std::size_t i = 0; i < connections.size(); ++i) {
        if (connections[i].since != 0) {
            idle.push_back(i);
        }
    }
    const auto longer = [&connections](std::size_t a, std::size_t b) {
        return connections[a].since < connections[b].since;
    };
    const std::size_t chosen = std::min(count, idle.size());
    std::partial_sort(
        idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(chosen), idle.end(), longer);
    idle.resize(chosen);
    return idle;
}

}  // namespace junction::http
