#include "junction/storage/disk_file_store.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "junction/storage/storage_full.hpp"

namespace junction::storage {
namespace {

constexpr std::string_view kTempPrefix = ".tmp-";

std::string Errno(std::string_view what) {
    return std::string(what) + ": " + std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
}

Error Unavailable(std::string detail) {
    if (errno == ENOSPC || errno == EDQUOT) {  // the caller's failed call set errno
        return StorageFullError(std::move(detail));
    }
    return Error{.code = ErrorCode::kUnavailable,
                 .message = "File storage is unavailable",
                 .detail = std::move(detail)};
}

// `/`-separated segments of [A-Za-z0-9_-]: never absolute, never `.`/`..`, never a temp name.
bool IsValidKey(std::string_view key) {
    if (key.empty() || key.size() > 1024) {
        return false;
    }
    bool segment_empty = true;
    for (const char c : key) {
        if (c == '/') {
            if (segment_empty) {
                return false;
            }
            segment_empty = true;
            continue;
        }
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!allowed) {
            return false;
        }
        segment_empty = false;
    }
    return !segment_empty;
}

Result<std::filesystem::path> PathOf(const std::filesystem::path& root, std::string_view key) {
    if (!IsValidKey(key)) {
        return Fail(ErrorCode::kInvalidArgument, "Invalid file key");
    }
    return root / std::string(key);
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd = -1) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) {
            Close();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~FileDescriptor() { Close(); }

    [[nodiscard]] int Get() const { return fd_; }
    int Close() {
        if (fd_ < 0) {
            return 0;
        }
        return ::close(std::exchange(fd_, -1));
    }

private:
    int fd_;
};

Result<void> SyncDirectory(const std::filesystem::path& directory) {
    const FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.Get() < 0 || ::fsync(fd.Get()) != 0) {
        return Fail(Unavailable(Errno("fsync directory")));
    }
    return Ok();
}

class DiskFile final : public ByteSource {
public:
    DiskFile(FileDescriptor fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}

    [[nodiscard]] std::uint64_t Size() const override { return size_; }

    [[nodiscard]] Result<std::size_t> ReadAt(std::uint64_t offset,
                                             char* data,
                                             std::size_t size) const override {
        if (offset >= size_) {
            return std::size_t{0};
        }
        const std::size_t wanted =
            static_cast<std::size_t>(std::min<std::uint64_t>(size, size_ - offset));
        while (true) {
            const ssize_t got = ::pread(fd_.Get(), data, wanted, static_cast<off_t>(offset));
            if (got >= 0) {
                return static_cast<std::size_t>(got);
            }
            if (errno != EINTR) {
                return Fail(ErrorCode::kInternal, "Internal server error", Errno("read file"));
            }
        }
    }

private:
    FileDescriptor fd_;
    std::uint64_t size_;
};

class DiskFileWriter final : public FileWriter {
public:
    DiskFileWriter(FileDescriptor fd, std::filesystem::path temp, std::filesystem::path target)
        : fd_(std::move(fd)), temp_(std::move(temp)), target_(std::move(target)) {}
    DiskFileWriter(const DiskFileWriter&) = delete;
    DiskFileWriter& operator=(const DiskFileWriter&) = delete;
    DiskFileWriter(DiskFileWriter&&) = delete;
    DiskFileWriter& operator=(DiskFileWriter&&) = delete;
    ~DiskFileWriter() override {
        if (!committed_) {
            fd_.Close();
            ::unlink(temp_.c_str());
        }
    }

    [[nodiscard]] Result<void> Append(std::string_view bytes) override {
        while (!bytes.empty()) {
            const ssize_t wrote = ::write(fd_.Get(), bytes.data(), bytes.size());
            if (wrote < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return Fail(Unavailable(Errno("write file")));
            }
            bytes.remove_prefix(static_cast<std::size_t>(wrote));
        }
        return Ok();
    }

    [[nodiscard]] Result<void> Commit() override {
        if (::fsync(fd_.Get()) != 0) {
            return Fail(Unavailable(Errno("fsync file")));
        }
        if (fd_.Close() != 0) {
            return Fail(Unavailable(Errno("close file")));
        }
        if (::rename(temp_.c_str(), target_.c_str()) != 0) {
            return Fail(Unavailable(Errno("rename file")));
        }
        committed_ = true;
        return SyncDirectory(target_.parent_path());
    }

private:
    FileDescriptor fd_;
    std::filesystem::path temp_;
    std::filesystem::path target_;
    bool committed_ = false;
};

void RemoveStaleTemps(const std::filesystem::path& root, std::chrono::seconds stale_after) {
    std::error_code ec;
    const auto now = std::filesystem::file_time_type::clock::now();
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator();
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.starts_with(kTempPrefix) || !it->is_regular_file(ec)) {
            continue;
        }
        const auto modified = it->last_write_time(ec);
        if (!ec && now - modified > stale_after) {
            std::filesystem::remove(it->path(), ec);
        }
        ec.clear();
    }
}

}  // namespace

DiskFileStore::DiskFileStore(std::filesystem::path root) : root_(std::move(root)) {}

Result<std::unique_ptr<DiskFileStore>> DiskFileStore::OpenDirectory(
    std::filesystem::path root, std::chrono::seconds stale_after) {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) {
        return Fail(ErrorCode::kUnavailable,
                    "Cannot create files directory '" + root.string() + "': " + ec.message());
    }
    RemoveStaleTemps(root, stale_after);
    return std::unique_ptr<DiskFileStore>(new DiskFileStore(std::move(root)));
}

Result<std::unique_ptr<FileWriter>> DiskFileStore::Create(std::string_view key) {
    auto path = PathOf(root_, key);
    if (!path) {
        return Fail(std::move(path.error()));
    }
    std::error_code ec;
    std::filesystem::create_directories(path->parent_path(), ec);
    if (ec) {
        return Fail(Unavailable("create directory: " + ec.message()));
    }
    // In the target's directory, so the rename stays on one filesystem (atomic).
    std::string temp = (path->parent_path() / (std::string(kTempPrefix) + "XXXXXX")).string();
    std::vector<char> name(temp.begin(), temp.end());
    name.push_back('\0');
    FileDescriptor fd(::mkostemp(name.data(), O_CLOEXEC));
    if (fd.Get() < 0) {
        return Fail(Unavailable(Errno("create temporary file")));
    }
    return std::unique_ptr<FileWriter>(
        new DiskFileWriter(std::move(fd), std::filesystem::path(name.data()), std::move(*path)));
}

Result<std::shared_ptr<const ByteSource>> DiskFileStore::Open(std::string_view key) {
    auto path = PathOf(root_, key);
    if (!path) {
        return Fail(std::move(path.error()));
    }
    FileDescriptor fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.Get() < 0) {
        if (errno == ENOENT) {
            return Fail(ErrorCode::kNotFound, "File not found");
        }
        return Fail(Unavailable(Errno("open file")));
    }
    struct stat info {};
    if (::fstat(fd.Get(), &info) != 0) {
        return Fail(Unavailable(Errno("stat file")));
    }
    return std::shared_ptr<const ByteSource>(
        std::make_shared<DiskFile>(std::move(fd), static_cast<std::uint64_t>(info.st_size)));
}

Result<void> DiskFileStore::Remove(std::string_view key) {
    auto path = PathOf(root_, key);
    if (!path) {
        return Fail(std::move(path.error()));
    }
    if (::unlink(path->c_str()) != 0 && errno != ENOENT) {
        return Fail(Unavailable(Errno("delete file")));
    }
    return Ok();
}

Result<void> DiskFileStore::RemoveGroup(std::string_view group) {
    auto path = PathOf(root_, group);
    if (!path || group.find('/') != std::string_view::npos) {
        return Fail(ErrorCode::kInvalidArgument, "Invalid file group");
    }
    std::error_code ec;
    std::filesystem::remove_all(*path, ec);
    if (ec) {
        return Fail(Unavailable("delete files: " + ec.message()));
    }
    return Ok();
}

}  // namespace junction::storage
