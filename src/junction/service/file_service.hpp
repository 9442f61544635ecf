#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "junction/core/byte_source.hpp"
#include "junction/core/clock.hpp"
#include "junction/core/config.hpp"
#include "junction/core/result.hpp"
#include "junction/core/secret_string.hpp"
#include "junction/crypto/hash.hpp"
#include "junction/service/user_service.hpp"
#include "junction/storage/file_store.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// HKDF label of the file-URL signing key (API.md §3.5).
inline constexpr std::string_view kFileUrlKeyLabel = "junction-file-urls";

/// kInvalidArgument (field `filename`) unless `filename` is 1-255 characters (UTF-8) without
/// `/`, `\`, control characters (including DEL), and is not `.` or `..` (API.md §3.5).
[[nodiscard]] Result<void> ValidateFilename(std::string_view filename);
/// The 16 raw bytes of an MD5 given as 32 hex characters or 24-character base64; nullopt
/// otherwise.
[[nodiscard]] std::optional<std::string> ParseMd5(std::string_view text);

/// The base64 form of an MD5 stored as 32 hex characters (`md5` on the wire, API.md §3.5).
[[nodiscard]] std::string Md5Base64(std::string_view md5_hex);

/// The signature of a signed file URL: base64url (unpadded) HMAC-SHA256 under `key` over
/// `PUT\n<s3Key>\n<expires>\n<md5 base64>\n<mimeType>` (upload; `md5_base64` and `mime_type`
/// set) or `GET\n<s3Key>\n<expires>` (download).
[[nodiscard]] std::string SignFileUrl(std::string_view key,
                                      std::string_view method,
                                      std::string_view s3_key,
                                      std::int64_t expires,
                                      std::string_view md5_base64 = {},
                                      std::string_view mime_type = {});

/// `presignedUrl` of the upload request (API.md §3.5).
struct UploadTicket {
    std::string md5_base64{};
    std::string url{};
    std::string type{};  // "new" | "existing"
    std::string s3_key{};
    TimePoint expires_at{};
};

/// `downloadUrl` of the download request.
struct DownloadTicket {
    std::string url{};
    std::string s3_key{};
    TimePoint expires_at{};
};

/// What a signed URL carries besides its path: the query values as received.
struct SignedUrl {
    std::string s3_key{};
    std::optional<std::string> expires{};
    std::optional<std::string> signature{};
};

/// The headers of a signed PUT that the signature and the size limit depend on.
struct UploadHeaders {
    std::optional<std::string> content_type{};
    std::optional<std::string> content_md5{};
    std::optional<std::uint64_t> content_length{};  // absent for a chunked body
};

/// A stored file opened for reading: its metadata and bytes that match it.
struct OpenedFile {
    storage::FileRow row{};
    std::shared_ptr<const ByteSource> bytes{};
};

class FileService;

/// One signed PUT in progress: the body goes to a temporary file while its MD5 and size are
/// counted; Finish checks the MD5 and only then replaces the key's file. Destroyed without a
/// successful Finish, it leaves nothing behind. Not thread-safe (one chunk at a time); blocks
/// on disk: call from the blocking pool.
class FileUpload {
public:
    FileUpload(const FileUpload&) = delete;
    FileUpload& operator=(const FileUpload&) = delete;
    FileUpload(FileUpload&&) = delete;
    FileUpload& operator=(FileUpload&&) = delete;
    ~FileUpload() = default;

    /// kPayloadTooLarge past the upload limit; kUnavailable when the disk fails.
    [[nodiscard]] Result<void> Append(std::string_view bytes);
    /// kInvalidArgument when the body's MD5 is not the Content-MD5; kNotFound when the owner
    /// was deleted meanwhile; kUnavailable. Returns the stored row.
    [[nodiscard]] Result<storage::FileRow> Finish();

private:
    friend class FileService;
    FileUpload(FileService& service,
               std::unique_ptr<storage::FileWriter> writer,
               storage::FileRow row,
               std::string expected_md5,
               std::uint64_t max_bytes);

    FileService& service_;
    std::unique_ptr<storage::FileWriter> writer_;
    storage::FileRow row_;
    std::string expected_md5_;  // 16 raw bytes
    std::uint64_t max_bytes_;
    std::uint64_t size_ = 0;
    crypto::Md5Hasher hasher_;
};

/// Users' files (API.md §3.5): signed upload and download URLs, listing, deletion, and opening
/// a user's file for an action's multipart body (§3.2). Bytes live in a storage::FileStore,
/// metadata in the database. Uploads, downloads and deletes of one key are serialized in this
/// process, so the metadata always describes the bytes a reader gets. Thread-safe; every
/// method blocks: call from the blocking pool.
class FileService final : public UserDeletionListener {
public:
    /// `signing_key`: HKDF(master key, kFileUrlKeyLabel). `config` (public URL, file settings)
    /// is read at each call and must outlive the service.
    FileService(storage::Store& store,
                storage::FileStore& files,
                const Clock& clock,
                SecretString signing_key,
                const Config& config);

    /// kInvalidArgument (field errors: filename, mimeType, md5).
    [[nodiscard]] Result<UploadTicket> RequestUpload(const storage::UserRow& user,
                                                     std::string_view filename,
                                                     std::string_view mime_type,
                                                     std::string_view md5);
    /// kNotFound for a key that is not one of the user's files.
    [[nodiscard]] Result<DownloadTicket> RequestDownload(const storage::UserRow& user,
                                                         std::string_view s3_key);
    [[nodiscard]] Result<storage::Page<storage::FileRow>> List(const storage::UserRow& user,
                                                               const storage::PageRequest& page);
    /// kNotFound for a key that is not one of the user's files.
    [[nodiscard]] Result<void> Delete(const storage::UserRow& user, std::string_view s3_key);

    /// Checks a signed PUT before its body is read. kInvalidArgument (Content-MD5 missing or
    /// malformed, Content-Type missing), kPermissionDenied (bad or expired signature, or
    /// headers other than the signed ones), kPayloadTooLarge (Content-Length over the limit).
    [[nodiscard]] Result<std::unique_ptr<FileUpload>> BeginUpload(const SignedUrl& url,
                                                                  const UploadHeaders& headers);
    /// Opens the file a signed GET names. kPermissionDenied (bad or expired signature),
    /// kNotFound (no such file, e.g. deleted after the URL was issued).
    [[nodiscard]] Result<OpenedFile> OpenSigned(const SignedUrl& url);
    /// Opens one of `user`'s files for an action (§3.2 "Files in actions"). kInvalidArgument
    /// when `s3_key` is not one of the user's files.
    [[nodiscard]] Result<OpenedFile> OpenForUser(const storage::UserRow& user,
                                                 std::string_view s3_key);

    // UserDeletionListener
    void OnUserDeleted(const storage::UserRow& user) override;

private:
    friend class FileUpload;

    /// The blob key of a file: `<userId>/<sha256 hex of filename>` (never a client's bytes).
    [[nodiscard]] static std::string BlobKey(const storage::FileRow& row);
    /// The mutex serializing work on `s3_key` (striped: keys may share one).
    [[nodiscard]] std::mutex& KeyMutex(std::string_view s3_key);
    [[nodiscard]] std::string SignedUrlFor(std::string_view s3_key,
                                           std::int64_t expires,
                                           std::string_view signature) const;
    /// kPermissionDenied unless `url` carries a well-formed, unexpired signature that matches
    /// `expected(expires)`. Returns `expires`.
    [[nodiscard]] Result<std::int64_t> CheckSignature(const SignedUrl& url,
                                                      std::string_view method,
                                                      std::string_view md5_base64,
                                                      std::string_view mime_type) const;
    [[nodiscard]] Result<storage::FileRow> Commit(storage::FileWriter& writer,
                                                  const storage::FileRow& row);
    [[nodiscard]] Result<OpenedFile> OpenLocked(std::string_view s3_key);

    storage::Store& store_;
    storage::FileStore& files_;
    const Clock& clock_;
    SecretString signing_key_;
    const Config& config_;
    std::array<std::mutex, 64> key_mutexes_{};
};

}  // namespace junction::service
