#pragma once

#include <memory>
#include <string_view>

#include "junction/core/byte_source.hpp"
#include "junction/core/result.hpp"

namespace junction::storage {

/// The bytes of one file being written. Nothing is visible under its key until Commit; a
/// writer destroyed without a successful Commit leaves nothing behind. Not thread-safe: one
/// caller at a time. Blocks on disk (or network): call from the blocking pool.
class FileWriter {
public:
    FileWriter() = default;
    FileWriter(const FileWriter&) = delete;
    FileWriter& operator=(const FileWriter&) = delete;
    FileWriter(FileWriter&&) = delete;
    FileWriter& operator=(FileWriter&&) = delete;
    virtual ~FileWriter() = default;

    /// kUnavailable when the bytes cannot be written (disk full, I/O error).
    [[nodiscard]] virtual Result<void> Append(std::string_view bytes) = 0;
    /// Makes the bytes durable and atomically replaces whatever the key held: readers see the
    /// old file or the new one, never a mix. kUnavailable on failure (the old file stays).
    [[nodiscard]] virtual Result<void> Commit() = 0;
};

/// File bytes by key (users' files, API.md §3.5). Keys are `/`-separated segments of
/// `[A-Za-z0-9_-]` (the service derives them; they are never a client's filename). The first
/// segment groups a user's files so they can go at once. Metadata lives in the database; this
/// holds only bytes. Implemented on local disk now (DiskFileStore); an S3-compatible store fits
/// the same interface (multipart upload + complete, ranged GETs). Thread-safe; every method
/// blocks: call from the blocking pool.
class FileStore {
public:
    FileStore() = default;
    FileStore(const FileStore&) = delete;
    FileStore& operator=(const FileStore&) = delete;
    FileStore(FileStore&&) = delete;
    FileStore& operator=(FileStore&&) = delete;
    virtual ~FileStore() = default;

    /// A writer that stores under `key` on Commit. kInvalidArgument for a malformed key,
    /// kUnavailable when the store cannot write.
    [[nodiscard]] virtual Result<std::unique_ptr<FileWriter>> Create(std::string_view key) = 0;
    /// The bytes stored under `key` as they are now (later writes do not change them).
    /// kNotFound when the key holds nothing; kInvalidArgument, kUnavailable.
    [[nodiscard]] virtual Result<std::shared_ptr<const ByteSource>> Open(std::string_view key) = 0;
    /// Forgets `key`; succeeds when it held nothing. kInvalidArgument, kUnavailable.
    [[nodiscard]] virtual Result<void> Remove(std::string_view key) = 0;
    /// Forgets every key whose first segment is `group` (a deleted user's files).
    [[nodiscard]] virtual Result<void> RemoveGroup(std::string_view group) = 0;
};

}  // namespace junction::storage
