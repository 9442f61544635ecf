#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

#include "junction/core/result.hpp"
#include "junction/storage/file_store.hpp"

namespace junction::storage {

/// FileStore on a local directory: `<root>/<key>`. A writer streams into a temporary file in
/// the key's directory (`.tmp-*`, never a valid key), then fsyncs it, renames it over the key
/// and fsyncs the directory, so a crash leaves the old file or the new one. Open keeps the
/// file descriptor, so a download that started survives a replace or delete of its key.
class DiskFileStore final : public FileStore {
public:
    /// Creates `root` if needed and deletes temporary files older than `stale_after` (left by a
    /// crash; younger ones may belong to another node's upload in progress). kUnavailable when
    /// `root` cannot be created.
    [[nodiscard]] static Result<std::unique_ptr<DiskFileStore>> OpenDirectory(
        std::filesystem::path root, std::chrono::seconds stale_after = std::chrono::hours(1));

    // FileStore
    [[nodiscard]] Result<std::unique_ptr<FileWriter>> Create(std::string_view key) override;
    [[nodiscard]] Result<std::shared_ptr<const ByteSource>> Open(std::string_view key) override;
    [[nodiscard]] Result<void> Remove(std::string_view key) override;
    [[nodiscard]] Result<void> RemoveGroup(std::string_view group) override;

private:
    explicit DiskFileStore(std::filesystem::path root);

    std::filesystem::path root_;
};

}  // namespace junction::storage
