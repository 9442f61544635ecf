#pragma once

#include <filesystem>
#include <string>

namespace junction::testing {

/// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;
    ~TempDir();

    [[nodiscard]] const std::filesystem::path& Path() const { return path_; }
    [[nodiscard]] std::string File(const std::string& name) const {
        return (path_ / name).string();
    }

private:
    std::filesystem::path path_;
};

/// Whole file contents ("" when missing).
[[nodiscard]] std::string ReadFile(const std::filesystem::path& path);

/// Every regular file under `root`, concatenated as raw bytes (for secret scans).
[[nodiscard]] std::string ReadAllFiles(const std::filesystem::path& root);

}  // namespace junction::testing
