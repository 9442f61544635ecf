#pragma once

#include <cstddef>
#include <cstdint>

#include "junction/core/result.hpp"

namespace junction {

/// Read-only bytes of a known size that are read piece by piece, never held in memory whole
/// (a stored file streamed into a download or a multipart upload). What a source returns does
/// not change while it lives: a file replaced or deleted meanwhile keeps its old bytes here.
/// Thread-safe: ReadAt may be called from several threads.
class ByteSource {
public:
    ByteSource() = default;
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;
    ByteSource(ByteSource&&) = delete;
    ByteSource& operator=(ByteSource&&) = delete;
    virtual ~ByteSource() = default;

    [[nodiscard]] virtual std::uint64_t Size() const = 0;
    /// Copies up to `size` bytes starting at `offset` into `data`; returns how many (0 at the
    /// end). Blocks on disk: call from the blocking pool or a client's own thread, never from
    /// an IO thread. kInternal when the read fails.
    [[nodiscard]] virtual Result<std::size_t> ReadAt(std::uint64_t offset,
                                                     char* data,
                                                     std::size_t size) const = 0;
};

}  // namespace junction
