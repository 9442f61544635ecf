#include "junction/service/file_service.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <utility>

#include "junction/core/ids.hpp"
#include "junction/core/log.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/service/oauth_protocol.hpp"

namespace junction::service {
namespace {

constexpr std::size_t kMaxFilenameChars = 255;
constexpr std::size_t kMaxFilenameBytes = 4 * kMaxFilenameChars;
constexpr std::size_t kMd5Bytes = 16;
constexpr std::size_t kSignatureChars = 43;
constexpr std::size_t kMaxMimeTypeBytes = 255;

Error Forbidden(std::string message) {
    return Error{.code = ErrorCode::kPermissionDenied, .message = std::move(message)};
}

Error FileNotFound(std::string_view s3_key) {
    return Error{.code = ErrorCode::kNotFound,
                 .message = "File '" + std::string(s3_key) + "' not found"};
}

bool IsHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 6838 restricted-name characters: letters, digits and !#$&-^_.+
bool IsMediaTypeChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '!' || c == '#' || c == '$' ||
           c == '&' || c == '-' || c == '^' || c == '_' || c == '.' || c == '+';
}

// `type/subtype` (no parameters: the signature covers the exact string).
bool IsMimeType(std::string_view text) {
    const std::size_t slash = text.find('/');
    if (text.size() > kMaxMimeTypeBytes || slash == std::string_view::npos || slash == 0 ||
        slash + 1 == text.size()) {
        return false;
    }
    const auto valid = [](std::string_view part) {
        return std::isalnum(static_cast<unsigned char>(part.front())) != 0 &&
               std::all_of(part.begin(), part.end(), IsMediaTypeChar);
    };
    return valid(text.substr(0, slash)) && valid(text.substr(slash + 1));
}

std::optional<std::int64_t> ParseExpires(std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value < 0) {
        return std::nullopt;
    }
    return value;
}

std::int64_t UnixSeconds(TimePoint time) {
    return ToUnixMillis(time) / 1000;
}

std::string UserPrefix(const storage::UserRow& user) {
    return user.id + "_";
}

bool OwnedBy(const storage::UserRow& user, std::string_view s3_key) {
    const std::string prefix = UserPrefix(user);
    return s3_key.size() > prefix.size() && s3_key.starts_with(prefix);
}

// Splits `<24 hex userId>_<filename>`; nullopt when the key cannot be one.
std::optional<std::pair<std::string, std::string>> SplitKey(std::string_view s3_key) {
    constexpr std::size_t kIdChars = 24;
    if (s3_key.size() <= kIdChars + 1 || s3_key[kIdChars] != '_' ||
        !IsObjectId(s3_key.substr(0, kIdChars)) || !ValidateFilename(s3_key.substr(kIdChars + 1))) {
        return std::nullopt;
    }
    return std::pair{std::string(s3_key.substr(0, kIdChars)),
                     std::string(s3_key.substr(kIdChars + 1))};
}

}  // namespace

Result<void> ValidateFilename(std::string_view filename) {
    const auto invalid = [](std::string message) {
        return FailField("filename", std::move(message));
    };
    // Characters, not bytes (UTF-8 continuation bytes do not count), as the API document's
    // maxLength; the bytes are bounded too, since the name is hashed for the disk anyway.
    const auto characters = std::count_if(filename.begin(), filename.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    });
    if (filename.empty() || characters > static_cast<std::ptrdiff_t>(kMaxFilenameChars) ||
        filename.size() > kMaxFilenameBytes) {
        return invalid("must be 1-255 characters");
    }
    if (filename == "." || filename == "..") {
        return invalid("must not be '.' or '..'");
    }
    for (const char c : filename) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '/' || c == '\\') {
            return invalid("must not contain '/' or '\\'");
        }
        if (byte < 0x20 || byte == 0x7F) {
            return invalid("must not contain control characters");
        }
    }
    return Ok();
}

std::optional<std::string> ParseMd5(std::string_view text) {
    if (text.size() == 2 * kMd5Bytes && std::all_of(text.begin(), text.end(), IsHexDigit)) {
        std::string raw;
        for (std::size_t i = 0; i < text.size(); i += 2) {
            unsigned value = 0;
            std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
            raw.push_back(static_cast<char>(value));
        }
        return raw;
    }
    if (text.size() == 24) {
        auto raw = crypto::Base64Decode(text);
        if (raw && raw->size() == kMd5Bytes && crypto::Base64Encode(*raw) == text) {
            return raw;
        }
    }
    return std::nullopt;
}

std::string Md5Base64(std::string_view md5_hex) {
    return crypto::Base64Encode(ParseMd5(md5_hex).value_or(std::string()));
}

std::string SignFileUrl(std::string_view key,
                        std::string_view method,
                        std::string_view s3_key,
                        std::int64_t expires,
                        std::string_view md5_base64,
                        std::string_view mime_type) {
    std::string canonical(method);
    canonical += '\n';
    canonical += s3_key;
    canonical += '\n';
    canonical += std::to_string(expires);
    if (method == "PUT") {
        canonical += '\n';
        canonical += md5_base64;
        canonical += '\n';
        canonical += mime_type;
    }
    return crypto::Base64UrlEncode(crypto::HmacSha256(key, canonical));
}

FileUpload::FileUpload(FileService& service,
                       std::unique_ptr<storage::FileWriter> writer,
                       storage::FileRow row,
                       std::string expected_md5,
                       std::uint64_t max_bytes)
    : service_(service),
      writer_(std::move(writer)),
      row_(std::move(row)),
      expected_md5_(std::move(expected_md5)),
      max_bytes_(max_bytes) {}

Result<void> FileUpload::Append(std::string_view bytes) {
    size_ += bytes.size();
    if (size_ > max_bytes_) {
        Error error{.code = ErrorCode::kPayloadTooLarge,
                    .message = "File exceeds " + std::to_string(max_bytes_) + " bytes"};
        error.extra["limitBytes"] = max_bytes_;
        return Fail(std::move(error));
    }
    hasher_.Update(bytes);
    return writer_->Append(bytes);
}

Result<storage::FileRow> FileUpload::Finish() {
    if (!crypto::ConstantTimeEquals(hasher_.Finish(), expected_md5_)) {
        return FailField("Content-MD5",
                         "does not match the MD5 of the body",
                         "The body's MD5 does not match Content-MD5; nothing was stored");
    }
    row_.size = static_cast<std::int64_t>(size_);
    return service_.Commit(*writer_, row_);
}

FileService::FileService(storage::Store& store,
                         storage::FileStore& files,
                         const Clock& clock,
                         SecretString signing_key,
                         const Config& config)
    : store_(store),
      files_(files),
      clock_(clock),
      signing_key_(std::move(signing_key)),
      config_(config) {}

std::string FileService::BlobKey(const storage::FileRow& row) {
    return row.user_id + "/" + crypto::Sha256Hex(row.filename);
}

std::mutex& FileService::KeyMutex(std::string_view s3_key) {
    return key_mutexes_[std::hash<std::string_view>{}(s3_key) % key_mutexes_.size()];
}

std::string FileService::SignedUrlFor(std::string_view s3_key,
                                      std::int64_t expires,
                                      std::string_view signature) const {
    return config_.public_url + "/files/" + oauth::PercentEncode(s3_key) +
           "?expires=" + std::to_string(expires) + "&signature=" + std::string(signature);
}

Result<UploadTicket> FileService::RequestUpload(const storage::UserRow& user,
                                                std::string_view filename,
                                                std::string_view mime_type,
                                                std::string_view md5) {
    Error invalid{.code = ErrorCode::kInvalidArgument, .message = "Request body is invalid"};
    if (auto valid = ValidateFilename(filename); !valid) {
        invalid.fields = std::move(valid.error().fields);
    }
    if (!IsMimeType(mime_type)) {
        invalid.fields.push_back(
            {.field = "mimeType", .message = "must be a media type like type/subtype"});
    }
    const auto raw_md5 = ParseMd5(md5);
    if (!raw_md5) {
        invalid.fields.push_back(
            {.field = "md5", .message = "must be 32 hex characters or 24-character base64"});
    }
    if (!invalid.fields.empty()) {
        return Fail(std::move(invalid));
    }
    const std::string s3_key = UserPrefix(user) + std::string(filename);
    const std::string md5_hex = ToHex(*raw_md5);
    std::string type = "new";
    auto existing = store_.FindFileRecord(s3_key);
    if (existing && existing->md5 == md5_hex) {
        type = "existing";
    } else if (!existing && existing.error().code != ErrorCode::kNotFound) {
        return Fail(std::move(existing.error()));
    }
    const TimePoint expires_at = clock_.Now() + config_.files.url_ttl;
    const std::int64_t expires = UnixSeconds(expires_at);
    const std::string md5_base64 = crypto::Base64Encode(*raw_md5);
    const std::string signature =
        SignFileUrl(signing_key_.Reveal(), "PUT", s3_key, expires, md5_base64, mime_type);
    return UploadTicket{.md5_base64 = md5_base64,
                        .url = SignedUrlFor(s3_key, expires, signature),
                        .type = std::move(type),
                        .s3_key = s3_key,
                        .expires_at = FromUnixMillis(expires * 1000)};
}

Result<DownloadTicket> FileService::RequestDownload(const storage::UserRow& user,
                                                    std::string_view s3_key) {
    if (!OwnedBy(user, s3_key)) {
        return Fail(FileNotFound(s3_key));
    }
    auto row = store_.FindFileRecord(s3_key);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    const std::int64_t expires = UnixSeconds(clock_.Now() + config_.files.url_ttl);
    const std::string signature = SignFileUrl(signing_key_.Reveal(), "GET", s3_key, expires);
    return DownloadTicket{.url = SignedUrlFor(s3_key, expires, signature),
                          .s3_key = std::string(s3_key),
                          .expires_at = FromUnixMillis(expires * 1000)};
}

Result<storage::Page<storage::FileRow>> FileService::List(const storage::UserRow& user,
                                                          const storage::PageRequest& page) {
    return store_.ListFileRecords(user.id, page);
}

Result<void> FileService::Delete(const storage::UserRow& user, std::string_view s3_key) {
    if (!OwnedBy(user, s3_key)) {
        return Fail(FileNotFound(s3_key));
    }
    const std::lock_guard lock(KeyMutex(s3_key));
    auto row = store_.FindFileRecord(s3_key);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    if (auto deleted = store_.DeleteFileRecord(s3_key); !deleted) {
        return Fail(std::move(deleted.error()));
    }
    // The row is gone, so the file is gone for every reader; bytes left by a failed unlink
    // are overwritten by the next upload of the key or removed with the user.
    if (auto removed = files_.Remove(BlobKey(*row)); !removed) {
        LogEvent(spdlog::level::warn,
                 "file bytes not removed",
                 {{"user_id", row->user_id}, {"detail", removed.error().detail}});
    }
    return Ok();
}

Result<std::int64_t> FileService::CheckSignature(const SignedUrl& url,
                                                 std::string_view method,
                                                 std::string_view md5_base64,
                                                 std::string_view mime_type) const {
    const auto expires = url.expires ? ParseExpires(*url.expires) : std::nullopt;
    if (!expires || !url.signature || url.signature->size() != kSignatureChars) {
        return Fail(Forbidden("The URL is not a valid signed file URL"));
    }
    const std::string expected =
        SignFileUrl(signing_key_.Reveal(), method, url.s3_key, *expires, md5_base64, mime_type);
    if (!crypto::ConstantTimeEquals(expected, *url.signature)) {
        return Fail(Forbidden(method == "PUT"
                                  ? "The signature does not match this URL, Content-MD5 and "
                                    "Content-Type"
                                  : "The signature does not match this URL"));
    }
    if (UnixSeconds(clock_.Now()) > *expires) {
        return Fail(Forbidden("The signed URL has expired"));
    }
    return *expires;
}

Result<std::unique_ptr<FileUpload>> FileService::BeginUpload(const SignedUrl& url,
                                                             const UploadHeaders& headers) {
    if (!url.signature || !url.expires) {
        return Fail(Forbidden("The URL is not a valid signed file URL"));
    }
    if (!headers.content_md5) {
        return Fail(ErrorCode::kInvalidArgument, "Header Content-MD5 is required");
    }
    const auto md5 = ParseMd5(*headers.content_md5);
    if (!md5 || headers.content_md5->size() != 24) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Header Content-MD5 must be the base64 MD5 of the body");
    }
    if (!headers.content_type) {
        return Fail(ErrorCode::kInvalidArgument, "Header Content-Type is required");
    }
    auto signed_ok = CheckSignature(url, "PUT", *headers.content_md5, *headers.content_type);
    if (!signed_ok) {
        return Fail(std::move(signed_ok.error()));
    }
    const std::uint64_t max_bytes = config_.files.max_upload_bytes;
    if (headers.content_length && *headers.content_length > max_bytes) {
        Error error{.code = ErrorCode::kPayloadTooLarge,
                    .message = "File exceeds " + std::to_string(max_bytes) + " bytes"};
        error.extra["limitBytes"] = max_bytes;
        return Fail(std::move(error));
    }
    const auto parts = SplitKey(url.s3_key);
    if (!parts) {
        // A key Junction signed always splits; reaching here needs the signing key.
        return Fail(Forbidden("The URL is not a valid signed file URL"));
    }
    const TimePoint now = clock_.Now();
    storage::FileRow row{.s3_key = url.s3_key,
                         .user_id = parts->first,
                         .filename = parts->second,
                         .mime_type = *headers.content_type,
                         .md5 = ToHex(*md5),
                         .size = 0,
                         .created_at = now,
                         .updated_at = now};
    auto writer = files_.Create(BlobKey(row));
    if (!writer) {
        return Fail(std::move(writer.error()));
    }
    return std::unique_ptr<FileUpload>(
        new FileUpload(*this, std::move(*writer), std::move(row), *md5, max_bytes));
}

Result<storage::FileRow> FileService::Commit(storage::FileWriter& writer,
                                             const storage::FileRow& row) {
    const std::lock_guard lock(KeyMutex(row.s3_key));
    if (auto committed = writer.Commit(); !committed) {
        return Fail(std::move(committed.error()));
    }
    storage::FileRow stored = row;
    stored.updated_at = clock_.Now();
    if (auto upserted = store_.UpsertFileRecord(stored); !upserted) {
        // The bytes are in place but have no row (e.g. the owner was deleted meanwhile): an
        // earlier row would now describe other bytes, so both go.
        (void)store_.DeleteFileRecord(row.s3_key);
        (void)files_.Remove(BlobKey(row));
        return Fail(std::move(upserted.error()));
    }
    return stored;
}

Result<OpenedFile> FileService::OpenLocked(std::string_view s3_key) {
    const std::lock_guard lock(KeyMutex(s3_key));
    auto row = store_.FindFileRecord(s3_key);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    auto bytes = files_.Open(BlobKey(*row));
    if (!bytes) {
        if (bytes.error().code == ErrorCode::kNotFound) {
            return Fail(FileNotFound(s3_key));
        }
        return Fail(std::move(bytes.error()));
    }
    return OpenedFile{.row = std::move(*row), .bytes = std::move(*bytes)};
}

Result<OpenedFile> FileService::OpenSigned(const SignedUrl& url) {
    auto signed_ok = CheckSignature(url, "GET", {}, {});
    if (!signed_ok) {
        return Fail(std::move(signed_ok.error()));
    }
    return OpenLocked(url.s3_key);
}

Result<OpenedFile> FileService::OpenForUser(const storage::UserRow& user, std::string_view s3_key) {
    const auto not_yours = [&] {
        return Fail(ErrorCode::kInvalidArgument,
                    "File '" + std::string(s3_key) + "' is not one of the user's files");
    };
    if (!OwnedBy(user, s3_key)) {
        return not_yours();
    }
    auto opened = OpenLocked(s3_key);
    if (!opened && opened.error().code == ErrorCode::kNotFound) {
        return not_yours();
    }
    return opened;
}

void FileService::OnUserDeleted(const storage::UserRow& user) {
    // The rows went with the user (ON DELETE CASCADE); the bytes go here.
    if (auto removed = files_.RemoveGroup(user.id); !removed) {
        LogEvent(spdlog::level::warn,
                 "deleted user's files not removed",
                 {{"user_id", user.id}, {"detail", removed.error().detail}});
    }
}

}  // namespace junction::service
