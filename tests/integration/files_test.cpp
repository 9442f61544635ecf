// Users' files end to end over loopback HTTP (API.md §3.5), on SQLite and PostgreSQL: upload
// requests, signed PUTs and GETs, listing, deletion, dedup, every refusal (wrong MD5, expired
// or tampered signature, another user's key, oversized and malformed bodies, bad filenames)
// leaving nothing behind, concurrent uploads of one key, restart, user deletion, and a file
// parameter of an action sent as multipart/form-data to a local upstream (§3.2).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "junction/core/ids.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/crypto/hash.hpp"
#include "junction/service/file_service.hpp"
#include "junction/testing/fake_upstream.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::Backend;
using testing::FakeUpstream;
using testing::HttpResult;
using testing::TempDir;
using testing::TestServer;
using testing::TestServerOptions;
using testing::UpstreamResponse;

constexpr const char* kUploadRequest = "/connectors/files/upload/request";
constexpr const char* kDownloadRequest = "/connectors/files/download/request";
constexpr const char* kList = "/connectors/files/list";
constexpr const char* kDeleteFile = "/connectors/files/{s3Key}";
constexpr const char* kSignedFile = "/files/{s3Key}";

std::string Md5Base64(std::string_view bytes) {
    return crypto::Base64Encode(crypto::Md5(bytes));
}

std::string Md5Hex(std::string_view bytes) {
    return ToHex(crypto::Md5(bytes));
}

// Bytes that are not text, so nothing in the path treats them as a string.
std::string BinaryBytes(std::size_t size, unsigned seed) {
    std::string bytes(size, '\0');
    unsigned state = seed;
    for (auto& byte : bytes) {
        state = state * 1'103'515'245U + 12'345U;
        byte = static_cast<char>(state >> 16U);
    }
    return bytes;
}

// Regular files under `root` (temporary files included): what a refused upload must not leave.
std::vector<std::string> FilesUnder(const std::filesystem::path& root) {
    std::vector<std::string> found;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator();
         it.increment(ec)) {
        if (it->is_regular_file()) {
            found.push_back(it->path().string());
        }
    }
    return found;
}

std::string WriteCatalog(const TempDir& dir, const std::string& upstream) {
    const std::string catalog = dir.File("catalog");
    std::filesystem::create_directories(catalog);
    std::ofstream(catalog + "/vault.yaml") << R"(id: vault
name: Vault
categories: [testing]
base_url: )" << upstream << R"(/api
auth:
  - type: apiKey
    in: header
    name: X-Api-Key
resources:
  - name: files
    actions:
      - id: uploadFile
        httpMethod: POST
        path: /upload
        requestContentType: multipart/form-data
        requestBody:
          type: object
          required: [file]
          properties:
            channels: {type: string}
            file: {type: string, format: binary}
            count: {type: integer}
)";
    return catalog;
}

class FilesTest : public ::testing::TestWithParam<Backend> {
protected:
    FilesTest()
        : server_(TestServerOptions{
              .backend = GetParam(),
              .environment = {{"JUNCTION_FILES_MAX_UPLOAD_BYTES", "4194304"},
                              {"JUNCTION_CATALOG_DIR", WriteCatalog(dir_, upstream_.BaseUrl())},
                              {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"}}}) {
        alice_ = server_.CreateUser("alice");
        bob_ = server_.CreateUser("bob");
        alice_key_ = server_.CreateKey("user", alice_);
        bob_key_ = server_.CreateKey("user", bob_);
    }

    static std::vector<std::string> As(const std::string& key) {
        return {"Authorization: Bearer " + key,
                "x-api-version: 2025-09",
                "Content-Type: application/json"};
    }
    HttpResult Api(const std::string& method,
                   const std::string& path,
                   const std::string& key,
                   const std::optional<std::string>& body = std::nullopt) {
        return server_.Client().Send(method, path, As(key), body);
    }
    HttpResult RequestUpload(const std::string& key,
                             const std::string& filename,
                             const std::string& mime_type,
                             const std::string& md5) {
        boost::json::object body{{"filename", filename}, {"mimeType", mime_type}, {"md5", md5}};
        return Api("POST", kUploadRequest, key, boost::json::serialize(body));
    }
    // The path and query of an absolute URL Junction returned (checked to start with the
    // server's public base).
    std::string Relative(const std::string& url) const {
        const std::string& base = server_.Client().BaseUrl();
        EXPECT_TRUE(url.starts_with(base + "/files/")) << url;
        return url.substr(base.size());
    }
    HttpResult Put(const std::string& url,
                   const std::string& bytes,
                   const std::string& mime_type,
                   const std::string& content_md5) {
        return server_.Client().Send("PUT",
                                     Relative(url),
                                     {"Content-Type: " + mime_type, "Content-MD5: " + content_md5},
                                     bytes);
    }
    // Request + PUT; returns the s3Key.
    std::string Upload(const std::string& key,
                       const std::string& filename,
                       const std::string& bytes,
                       const std::string& mime_type = "application/octet-stream") {
        const auto requested = RequestUpload(key, filename, mime_type, Md5Hex(bytes));
        EXPECT_EQ(requested.status, 200) << requested.body;
        EXPECT_EQ(requested.Header("cache-control"), "no-store");  // the signed URL is a capability
        const auto ticket = requested.Json().at("presignedUrl");
        const auto put = Put(
            std::string(ticket.at("presignedUrl").as_string()), bytes, mime_type, Md5Base64(bytes));
        EXPECT_EQ(put.status, 200) << put.body;
        return std::string(ticket.at("s3Key").as_string());
    }
    HttpResult Download(const std::string& key, const std::string& s3_key) {
        const auto requested =
            Api("POST", kDownloadRequest, key, R"({"s3Key":")" + s3_key + R"("})");
        EXPECT_EQ(requested.status, 200) << requested.body;
        if (requested.status != 200) {
            return requested;
        }
        JUNCTION_EXPECT_SPEC("POST", kDownloadRequest, requested);
        EXPECT_EQ(requested.Header("cache-control"), "no-store");
        return server_.Client().Send(
            "GET", Relative(std::string(requested.Json().at("downloadUrl").at("url").as_string())));
    }
    boost::json::array List(const std::string& key) {
        const auto listed = Api("GET", kList, key);
        EXPECT_EQ(listed.status, 200) << listed.body;
        JUNCTION_EXPECT_SPEC("GET", kList, listed);
        return listed.Json().at("files").as_array();
    }
    std::filesystem::path FilesDir() const { return server_.Dir().Path() / "data" / "files"; }
    // The signing key of the running server, derived as the server does (API.md §3.5).
    std::string SigningKey() const {
        const auto encoded = testing::ReadFile(server_.Dir().Path() / "data" / "master.key");
        auto raw = crypto::Base64Decode(encoded.substr(0, encoded.find_last_not_of(" \n\r") + 1));
        EXPECT_TRUE(raw.has_value());
        return crypto::HkdfSha256(raw.value_or(""), service::kFileUrlKeyLabel, 32);
    }

    TempDir dir_;
    FakeUpstream upstream_;
    TestServer server_;
    std::string alice_;
    std::string bob_;
    std::string alice_key_;
    std::string bob_key_;
};

TEST_P(FilesTest, UploadListDownloadDeleteEndToEnd) {
    const std::string bytes = BinaryBytes(1'500'000, 7);  // > 1 MiB: curl sends 100-continue
    const auto requested =
        RequestUpload(alice_key_, "report.pdf", "application/pdf", Md5Hex(bytes));
    ASSERT_EQ(requested.status, 200) << requested.body;
    JUNCTION_EXPECT_SPEC("POST", kUploadRequest, requested);
    const auto ticket = requested.Json().at("presignedUrl");
    const std::string s3_key = alice_ + "_report.pdf";
    EXPECT_EQ(ticket.at("s3Key").as_string(), s3_key);
    EXPECT_EQ(ticket.at("type").as_string(), "new");
    EXPECT_EQ(ticket.at("md5").as_string(), Md5Base64(bytes));
    const std::string url(ticket.at("presignedUrl").as_string());
    EXPECT_TRUE(std::regex_match(url,
                                 std::regex("^" + server_.Client().BaseUrl() + "/files/" + s3_key +
                                            "\\?expires=[0-9]+&signature=[A-Za-z0-9_-]{43}$")))
        << url;
    EXPECT_TRUE(std::regex_match(std::string(ticket.at("expiresAt").as_string()),
                                 std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$)")));

    const auto put = server_.Client().Send("PUT",
                                           Relative(url),
                                           {"Content-Type: application/pdf",
                                            "Content-MD5: " + Md5Base64(bytes),
                                            "Expect: 100-continue"},
                                           bytes);
    ASSERT_EQ(put.status, 200) << put.body;
    JUNCTION_EXPECT_SPEC("PUT", kSignedFile, put);
    EXPECT_EQ(put.Json().at("s3Key").as_string(), s3_key);
    EXPECT_EQ(put.Json().at("size").as_int64(), 1'500'000);
    EXPECT_EQ(put.Json().at("md5").as_string(), Md5Base64(bytes));
    EXPECT_EQ(put.Header("etag"), "\"" + Md5Hex(bytes) + "\"");

    const auto listed = Api("GET", kList, alice_key_);
    ASSERT_EQ(listed.status, 200) << listed.body;
    JUNCTION_EXPECT_SPEC("GET", kList, listed);
    EXPECT_EQ(listed.Header("x-total-count"), "1");
    const auto files = listed.Json().at("files").as_array();
    ASSERT_EQ(files.size(), 1U);
    EXPECT_EQ(files[0].at("s3Key").as_string(), s3_key);
    EXPECT_EQ(files[0].at("filename").as_string(), "report.pdf");
    EXPECT_EQ(files[0].at("size").as_int64(), 1'500'000);
    EXPECT_EQ(files[0].at("mimeType").as_string(), "application/pdf");
    EXPECT_EQ(files[0].at("md5").as_string(), Md5Base64(bytes));
    EXPECT_TRUE(files[0].at("lastModified").is_string());
    EXPECT_TRUE(List(bob_key_).empty());

    const auto downloaded = Download(alice_key_, s3_key);
    ASSERT_EQ(downloaded.status, 200);
    EXPECT_TRUE(downloaded.body == bytes);
    EXPECT_EQ(downloaded.Header("content-length"), "1500000");
    EXPECT_EQ(downloaded.Header("content-type"), "application/pdf");
    EXPECT_EQ(downloaded.Header("etag"), "\"" + Md5Hex(bytes) + "\"");
    EXPECT_EQ(downloaded.Header("content-md5"), Md5Base64(bytes));
    EXPECT_EQ(downloaded.Header("content-disposition"), "attachment; filename=\"report.pdf\"");

    const auto deleted = Api("DELETE", "/connectors/files/" + s3_key, alice_key_);
    ASSERT_EQ(deleted.status, 200) << deleted.body;
    JUNCTION_EXPECT_SPEC("DELETE", kDeleteFile, deleted);
    EXPECT_EQ(deleted.body, R"({"success":true,"message":"File deleted"})");
    EXPECT_TRUE(List(alice_key_).empty());
    EXPECT_TRUE(FilesUnder(FilesDir()).empty());
    const auto again = Api("DELETE", "/connectors/files/" + s3_key, alice_key_);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.ErrorCode(), "NOT_FOUND");

    // Signatures are credentials: the log (debug level) never holds one, nor a signed query.
    const std::string signature = url.substr(url.find("signature=") + 10);
    const std::string log = server_.WaitForLog("\"route\":\"/connectors/files/{s3Key}\"");
    EXPECT_EQ(log.find(signature), std::string::npos);
    EXPECT_EQ(log.find("signature="), std::string::npos);
    EXPECT_NE(log.find("\"route\":\"/files/{s3Key}\""), std::string::npos);
}

TEST_P(FilesTest, DownloadUrlsOfADeletedFileAnswer404) {
    const std::string s3_key = Upload(alice_key_, "a.txt", "hello");
    const auto requested =
        Api("POST", kDownloadRequest, alice_key_, R"({"s3Key":")" + s3_key + R"("})");
    ASSERT_EQ(requested.status, 200);
    const std::string url(requested.Json().at("downloadUrl").at("url").as_string());
    ASSERT_EQ(Api("DELETE", "/connectors/files/" + s3_key, alice_key_).status, 200);
    const auto gone = server_.Client().Send("GET", Relative(url));
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.ErrorCode(), "NOT_FOUND");
    JUNCTION_EXPECT_SPEC("GET", kSignedFile, gone);
}

TEST_P(FilesTest, SameMd5IsExistingAndAnotherMd5ReplacesTheFile) {
    const std::string s3_key = Upload(alice_key_, "notes.txt", "version one", "text/plain");
    const auto same =
        RequestUpload(alice_key_, "notes.txt", "text/plain", Md5Base64("version one"));
    ASSERT_EQ(same.status, 200) << same.body;
    EXPECT_EQ(same.Json().at("presignedUrl").at("type").as_string(), "existing");
    // The PUT is still accepted and idempotent.
    const auto repeated =
        Put(std::string(same.Json().at("presignedUrl").at("presignedUrl").as_string()),
            "version one",
            "text/plain",
            Md5Base64("version one"));
    EXPECT_EQ(repeated.status, 200) << repeated.body;

    const auto other = RequestUpload(alice_key_, "notes.txt", "text/plain", Md5Hex("version two"));
    ASSERT_EQ(other.status, 200);
    EXPECT_EQ(other.Json().at("presignedUrl").at("type").as_string(), "new");
    EXPECT_EQ(Upload(alice_key_, "notes.txt", "version two", "text/plain"), s3_key);
    const auto files = List(alice_key_);
    ASSERT_EQ(files.size(), 1U);
    EXPECT_EQ(files[0].at("md5").as_string(), Md5Base64("version two"));
    EXPECT_EQ(Download(alice_key_, s3_key).body, "version two");
    // Another user's file of the same name is another key.
    EXPECT_EQ(RequestUpload(bob_key_, "notes.txt", "text/plain", Md5Hex("version two"))
                  .Json()
                  .at("presignedUrl")
                  .at("type")
                  .as_string(),
              "new");
}

TEST_P(FilesTest, ABodyWhoseMd5DiffersIsRefusedAndNothingIsStored) {
    const auto requested =
        RequestUpload(alice_key_, "a.bin", "application/octet-stream", Md5Hex("expected"));
    const std::string url(requested.Json().at("presignedUrl").at("presignedUrl").as_string());
    const auto put = Put(url, "something else", "application/octet-stream", Md5Base64("expected"));
    EXPECT_EQ(put.status, 400);
    EXPECT_EQ(put.ErrorCode(), "INVALID_REQUEST");
    EXPECT_EQ(put.ErrorMessage(), "The body's MD5 does not match Content-MD5; nothing was stored");
    JUNCTION_EXPECT_SPEC("PUT", kSignedFile, put);
    EXPECT_TRUE(List(alice_key_).empty());
    EXPECT_TRUE(FilesUnder(FilesDir()).empty());

    const auto no_md5 = server_.Client().Send(
        "PUT", Relative(url), {"Content-Type: application/octet-stream"}, "expected");
    EXPECT_EQ(no_md5.status, 400);
    EXPECT_EQ(no_md5.ErrorMessage(), "Header Content-MD5 is required");
    const auto bad_md5 = Put(url, "expected", "application/octet-stream", "not-base64");
    EXPECT_EQ(bad_md5.status, 400);
    EXPECT_EQ(bad_md5.ErrorMessage(), "Header Content-MD5 must be the base64 MD5 of the body");
    EXPECT_TRUE(FilesUnder(FilesDir()).empty());
}

TEST_P(FilesTest, TamperedSignaturesAndOtherHeadersAreForbidden) {
    const std::string bytes = "payload";
    const auto requested =
        RequestUpload(alice_key_, "a.bin", "application/octet-stream", Md5Hex(bytes));
    const std::string url(requested.Json().at("presignedUrl").at("presignedUrl").as_string());
    std::string tampered = url;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    const auto forged = Put(tampered, bytes, "application/octet-stream", Md5Base64(bytes));
    EXPECT_EQ(forged.status, 403);
    EXPECT_EQ(forged.ErrorCode(), "FORBIDDEN");
    JUNCTION_EXPECT_SPEC("PUT", kSignedFile, forged);
    // Another key under the same signature.
    std::string moved = url;
    moved.replace(moved.find("_a.bin"), 6, "_b.bin");
    EXPECT_EQ(Put(moved, bytes, "application/octet-stream", Md5Base64(bytes)).status, 403);
    // A later expiry under the same signature.
    std::string extended = url;
    const auto at = extended.find("expires=") + 8;
    extended.replace(at, 1, std::to_string((extended[at] - '0' + 1) % 10));
    EXPECT_EQ(Put(extended, bytes, "application/octet-stream", Md5Base64(bytes)).status, 403);
    // Content-Type other than the signed one.
    const auto retyped = Put(url, bytes, "text/plain", Md5Base64(bytes));
    EXPECT_EQ(retyped.status, 403);
    EXPECT_EQ(retyped.ErrorMessage(),
              "The signature does not match this URL, Content-MD5 and Content-Type");
    // No signature at all; an API key does not replace it.
    const std::string bare = Relative(url.substr(0, url.find('?')));
    const auto unsigned_put = server_.Client().Send("PUT",
                                                    bare,
                                                    {"Authorization: Bearer " + alice_key_,
                                                     "Content-Type: application/octet-stream",
                                                     "Content-MD5: " + Md5Base64(bytes)},
                                                    bytes);
    EXPECT_EQ(unsigned_put.status, 403);
    EXPECT_EQ(server_.Client().Send("GET", bare).status, 403);
    // An upload URL does not download.
    EXPECT_EQ(server_.Client().Send("GET", Relative(url)).status, 403);
    EXPECT_TRUE(List(alice_key_).empty());
    EXPECT_TRUE(FilesUnder(FilesDir()).empty());
}

TEST_P(FilesTest, ExpiredUrlsAreForbidden) {
    const std::string bytes = "late";
    const std::string s3_key = alice_ + "_late.txt";
    const std::string key = SigningKey();
    const std::int64_t past = ToUnixMillis(SystemClock().Now()) / 1000 - 1;
    // Correctly signed, but expired: the signature is valid, the time is not.
    const std::string put_path =
        "/files/" + s3_key + "?expires=" + std::to_string(past) + "&signature=" +
        service::SignFileUrl(key, "PUT", s3_key, past, Md5Base64(bytes), "text/plain");
    const auto put = server_.Client().Send(
        "PUT", put_path, {"Content-Type: text/plain", "Content-MD5: " + Md5Base64(bytes)}, bytes);
    EXPECT_EQ(put.status, 403);
    EXPECT_EQ(put.ErrorMessage(), "The signed URL has expired");

    // The same key signs a live URL that works (so the derivation above is the server's).
    const std::int64_t future = past + 600;
    const std::string live_path =
        "/files/" + s3_key + "?expires=" + std::to_string(future) + "&signature=" +
        service::SignFileUrl(key, "PUT", s3_key, future, Md5Base64(bytes), "text/plain");
    const auto live = server_.Client().Send(
        "PUT", live_path, {"Content-Type: text/plain", "Content-MD5: " + Md5Base64(bytes)}, bytes);
    EXPECT_EQ(live.status, 200) << live.body;

    const std::string get_path = "/files/" + s3_key + "?expires=" + std::to_string(past) +
                                 "&signature=" + service::SignFileUrl(key, "GET", s3_key, past);
    const auto get = server_.Client().Send("GET", get_path);
    EXPECT_EQ(get.status, 403);
    EXPECT_EQ(get.ErrorMessage(), "The signed URL has expired");
    JUNCTION_EXPECT_SPEC("GET", kSignedFile, get);
}

TEST_P(FilesTest, AnotherUsersKeyLooksAbsent) {
    const std::string s3_key = Upload(alice_key_, "private.txt", "secret bytes");
    const auto download =
        Api("POST", kDownloadRequest, bob_key_, R"({"s3Key":")" + s3_key + R"("})");
    EXPECT_EQ(download.status, 404);
    EXPECT_EQ(download.ErrorCode(), "NOT_FOUND");
    JUNCTION_EXPECT_SPEC("POST", kDownloadRequest, download);
    const auto deleted = Api("DELETE", "/connectors/files/" + s3_key, bob_key_);
    EXPECT_EQ(deleted.status, 404);
    JUNCTION_EXPECT_SPEC("DELETE", kDeleteFile, deleted);
    EXPECT_EQ(List(alice_key_).size(), 1U);
    // An admin acting for bob is bob.
    auto headers = server_.AdminHeaders();
    headers.emplace_back("x-alloy-userid: bob");
    EXPECT_EQ(server_.Client().Send("DELETE", "/connectors/files/" + s3_key, headers).status, 404);
    headers.back() = "x-alloy-userid: alice";
    const auto listed = server_.Client().Send("GET", kList, headers);
    EXPECT_EQ(listed.Json().at("files").as_array().size(), 1U);
}

TEST_P(FilesTest, OversizedBodiesAreRefusedEarlyAndWhileStreaming) {
    const std::string bytes = BinaryBytes(4'194'305, 3);  // limit + 1
    const auto requested =
        RequestUpload(alice_key_, "big.bin", "application/octet-stream", Md5Hex(bytes));
    const std::string url(requested.Json().at("presignedUrl").at("presignedUrl").as_string());
    const auto put = Put(url, bytes, "application/octet-stream", Md5Base64(bytes));
    EXPECT_EQ(put.status, 413);
    EXPECT_EQ(put.ErrorCode(), "PAYLOAD_TOO_LARGE");
    EXPECT_EQ(put.ErrorMessage(), "File exceeds 4194304 bytes");
    JUNCTION_EXPECT_SPEC("PUT", kSignedFile, put);

    // Chunked: no Content-Length, so the limit is enforced while the body streams in.
    std::string raw = "PUT " + Relative(url) +
                      " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                      "Content-MD5: " +
                      Md5Base64(bytes) + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < bytes.size(); at += 65'536) {
        const std::string piece = bytes.substr(at, 65'536);
        char size[32];
        std::snprintf(size, sizeof(size), "%zx\r\n", piece.size());
        raw += size + piece + "\r\n";
    }
    raw += "0\r\n\r\n";
    const std::string answer = testing::SendRaw(server_.Port(), raw);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer.substr(0, 200);
    EXPECT_NE(answer.find("File exceeds 4194304 bytes"), std::string::npos);
    EXPECT_TRUE(List(alice_key_).empty());
    EXPECT_TRUE(FilesUnder(FilesDir()).empty());

    // At the limit exactly, chunked, it is stored.
    const std::string fits = bytes.substr(0, 4'194'304);
    const auto fit_request =
        RequestUpload(alice_key_, "fits.bin", "application/octet-stream", Md5Hex(fits));
    const std::string fit_url(fit_request.Json().at("presignedUrl").at("presignedUrl").as_string());
    std::string chunked = "PUT " + Relative(fit_url) +
                          " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                          "Content-MD5: " +
                          Md5Base64(fits) +
                          "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", fits.size());
    chunked += size + fits + "\r\n0\r\n\r\n";
    const std::string stored = testing::SendRaw(server_.Port(), chunked);
    EXPECT_TRUE(stored.starts_with("HTTP/1.1 200")) << stored.substr(0, 300);
    EXPECT_EQ(Download(alice_key_, alice_ + "_fits.bin").body.size(), 4'194'304U);
}

TEST_P(FilesTest, AnAbortedUploadLeavesNothingBehind) {
    const std::string bytes = BinaryBytes(2'000'000, 5);
    const auto requested =
        RequestUpload(alice_key_, "cut.bin", "application/octet-stream", Md5Hex(bytes));
    const std::string url(requested.Json().at("presignedUrl").at("presignedUrl").as_string());
    const std::string raw = "PUT " + Relative(url) +
                            " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                            "Content-MD5: " +
                            Md5Base64(bytes) +
                            "\r\nContent-Length: " + std::to_string(bytes.size()) + "\r\n\r\n" +
                            bytes.substr(0, 700'000);
    // The client sends part of the body and goes away.
    (void)testing::SendRaw(server_.Port(), raw, std::chrono::milliseconds(300));
    // The access line says the server saw the client go (and released the upload first).
    EXPECT_NE(server_.WaitForLog("\"status\":499").find("\"status\":499"), std::string::npos);
    EXPECT_TRUE(FilesUnder(FilesDir()).empty());
    EXPECT_TRUE(List(alice_key_).empty());
}

TEST_P(FilesTest, FilenamesThatCouldEscapeOrConfuseAreRefused) {
    for (const std::string& filename : {std::string("../etc/passwd"),
                                        std::string("a/b"),
                                        std::string("a\\b"),
                                        std::string("."),
                                        std::string(".."),
                                        std::string("tab\tname"),
                                        std::string("nul\x01"),
                                        std::string(256, 'x'),
                                        std::string()}) {
        const auto refused = RequestUpload(alice_key_, filename, "text/plain", Md5Hex("x"));
        EXPECT_EQ(refused.status, 400) << filename;
        EXPECT_EQ(refused.ErrorCode(), "INVALID_REQUEST");
        JUNCTION_EXPECT_SPEC("POST", kUploadRequest, refused);
        const auto errors = refused.Json().at("error").at("details").at("errors").as_array();
        ASSERT_FALSE(errors.empty()) << refused.body;
        EXPECT_EQ(errors[0].at("field").as_string(), "filename") << refused.body;
    }
    // The longest allowed name and dots inside a name are fine.
    EXPECT_EQ(RequestUpload(alice_key_, std::string(255, 'x'), "text/plain", Md5Hex("x")).status,
              200);
    EXPECT_EQ(RequestUpload(alice_key_, "..hidden.tar.gz", "text/plain", Md5Hex("x")).status, 200);
    const auto bad_fields = RequestUpload(alice_key_, "ok.txt", "text", "abc");
    ASSERT_EQ(bad_fields.status, 400);
    const auto errors = bad_fields.Json().at("error").at("details").at("errors").as_array();
    ASSERT_EQ(errors.size(), 2U) << bad_fields.body;
    EXPECT_EQ(errors[0].at("field").as_string(), "mimeType");
    EXPECT_EQ(errors[1].at("field").as_string(), "md5");
    EXPECT_TRUE(FilesUnder(FilesDir()).empty());
}

TEST_P(FilesTest, ConcurrentUploadsOfOneKeyLeaveOneConsistentFile) {
    constexpr int kUploads = 6;
    std::vector<std::string> contents;
    std::vector<std::string> urls;
    for (int i = 0; i < kUploads; ++i) {
        contents.push_back(
            BinaryBytes(300'000 + static_cast<std::size_t>(i), static_cast<unsigned>(i)));
        const auto requested = RequestUpload(
            alice_key_, "race.bin", "application/octet-stream", Md5Hex(contents.back()));
        urls.emplace_back(requested.Json().at("presignedUrl").at("presignedUrl").as_string());
    }
    std::vector<long> statuses(kUploads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kUploads; ++i) {
        threads.emplace_back([&, i] {
            statuses[static_cast<std::size_t>(i)] =
                Put(urls[static_cast<std::size_t>(i)],
                    contents[static_cast<std::size_t>(i)],
                    "application/octet-stream",
                    Md5Base64(contents[static_cast<std::size_t>(i)]))
                    .status;
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const long status : statuses) {
        EXPECT_EQ(status, 200);
    }
    const auto files = List(alice_key_);
    ASSERT_EQ(files.size(), 1U);
    const auto downloaded = Download(alice_key_, alice_ + "_race.bin");
    // The listed metadata describes exactly the bytes served.
    EXPECT_EQ(files[0].at("md5").as_string(), Md5Base64(downloaded.body));
    EXPECT_EQ(files[0].at("size").as_int64(), static_cast<std::int64_t>(downloaded.body.size()));
    EXPECT_NE(std::find(contents.begin(), contents.end(), downloaded.body), contents.end());
    EXPECT_EQ(FilesUnder(FilesDir()).size(), 1U);  // no temporary file left
}

TEST_P(FilesTest, DeletingAUserDeletesItsFiles) {
    (void)Upload(alice_key_, "one.txt", "1");
    (void)Upload(alice_key_, "two.txt", "2");
    const std::string bob_file = Upload(bob_key_, "bob.txt", "b");
    ASSERT_EQ(FilesUnder(FilesDir()).size(), 3U);
    const auto deleted =
        server_.Client().Send("DELETE", "/users/" + alice_, server_.AdminHeaders());
    ASSERT_EQ(deleted.status, 200) << deleted.body;
    EXPECT_EQ(FilesUnder(FilesDir()).size(), 1U);
    EXPECT_FALSE(std::filesystem::exists(FilesDir() / alice_));
    EXPECT_EQ(Download(bob_key_, bob_file).body, "b");
}

TEST_P(FilesTest, PaginationAndOrderByFilename) {
    for (const char* name : {"b.txt", "a.txt", "C.txt", "c.txt"}) {
        (void)Upload(alice_key_, name, name);
    }
    const auto page = Api("GET", std::string(kList) + "?limit=2&offset=1", alice_key_);
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.Header("x-total-count"), "4");
    const auto files = page.Json().at("files").as_array();
    ASSERT_EQ(files.size(), 2U);
    // Bytewise order: "C.txt" < "a.txt" < "b.txt" < "c.txt".
    EXPECT_EQ(files[0].at("filename").as_string(), "a.txt");
    EXPECT_EQ(files[1].at("filename").as_string(), "b.txt");
    EXPECT_EQ(Api("GET", std::string(kList) + "?limit=0", alice_key_).status, 400);
    // The files prefix never reaches the connector routes.
    const auto wrong_method = Api("GET", "/connectors/files/credentials", alice_key_);
    EXPECT_EQ(wrong_method.status, 405);
    EXPECT_EQ(wrong_method.Header("allow"), "DELETE");
    // The version prefix works on Files like on every Connectivity endpoint.
    EXPECT_EQ(
        server_.Client()
            .Send("GET", "/2025-09/connectors/files/list", {"Authorization: Bearer " + alice_key_})
            .status,
        200);
}

TEST_P(FilesTest, AFileParameterIsSentAsMultipartFromTheStore) {
    auto headers = As(alice_key_);
    const auto credential = server_.Client().Send(
        "POST",
        "/connectors/vault/credentials",
        headers,
        R"({"userId":")" + alice_ +
            R"(","authenticationType":"apiKey","data":{"apiKey":"vault-key-123"}})");
    ASSERT_EQ(credential.status, 200) << credential.body;
    const std::string credential_id(credential.Json().at("credentialId").as_string());
    const std::string bytes = BinaryBytes(200'000, 11) + std::string("\r\n--not-a-boundary\r\n");
    const std::string s3_key = Upload(alice_key_, "photo \"1\".png", bytes, "image/png");
    upstream_.On("POST", "/api/upload", UpstreamResponse::Json(R"({"ok":true,"id":"F1"})"));

    const auto executed = server_.Client().Send(
        "POST",
        "/connectors/vault/actions/uploadFile/execute",
        headers,
        boost::json::serialize(boost::json::object{
            {"credentialId", credential_id},
            {"requestBody",
             boost::json::object{{"channels", "C1,C2"}, {"file", s3_key}, {"count", 3}}}}));
    ASSERT_EQ(executed.status, 200) << executed.body;
    EXPECT_EQ(executed.Json().at("result").at("id").as_string(), "F1");

    const auto requests = upstream_.RequestsTo("/api/upload");
    ASSERT_EQ(requests.size(), 1U);
    const auto& sent = requests[0];
    EXPECT_EQ(sent.Header("x-api-key"), "vault-key-123");
    const std::string content_type = sent.Header("content-type").value_or("");
    const std::string prefix = "multipart/form-data; boundary=";
    ASSERT_TRUE(content_type.starts_with(prefix)) << content_type;
    const std::string boundary = content_type.substr(prefix.size());
    const std::string expected =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"channels\"\r\n\r\nC1,C2\r\n" +
        "--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo %221%22.png\"\r\n" +
        "Content-Type: image/png\r\n\r\n" + bytes + "\r\n" + "--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n3\r\n" + "--" + boundary +
        "--\r\n";
    EXPECT_EQ(sent.body.size(), expected.size());
    EXPECT_TRUE(sent.body == expected) << sent.body.substr(0, 400);
    EXPECT_EQ(sent.Header("content-length"), std::to_string(expected.size()));

    // Another user's file, or no file at all: 400, and nothing is sent.
    const std::string bob_file = Upload(bob_key_, "bob.png", "b", "image/png");
    for (const std::string& key : {bob_file, alice_ + "_missing.png"}) {
        const auto refused =
            server_.Client().Send("POST",
                                  "/connectors/vault/actions/uploadFile/execute",
                                  headers,
                                  R"({"credentialId":")" + credential_id +
                                      R"(","requestBody":{"file":")" + key + R"("}})");
        EXPECT_EQ(refused.status, 400) << refused.body;
        EXPECT_EQ(refused.ErrorCode(), "INVALID_REQUEST");
        const auto errors = refused.Json().at("error").at("details").at("errors").as_array();
        ASSERT_EQ(errors.size(), 1U);
        EXPECT_EQ(errors[0].at("field").as_string(), "requestBody.file");
    }
    EXPECT_EQ(upstream_.RequestsTo("/api/upload").size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         FilesTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

TEST(FilesRestartTest, StoredFilesSurviveARestart) {
    TempDir data;
    const std::map<std::string, std::string> environment{{"JUNCTION_DATA_DIR", data.File("data")}};
    std::string url;
    std::string admin_key;
    const std::string bytes = BinaryBytes(100'000, 9);
    {
        TestServer first(TestServerOptions{.environment = environment});
        admin_key = first.AdminKey();
        std::vector<std::string> headers = first.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        const auto requested = first.Client().Send(
            "POST",
            kUploadRequest,
            headers,
            R"({"filename":"keep.bin","mimeType":"application/octet-stream","md5":")" +
                Md5Hex(bytes) + R"("})");
        ASSERT_EQ(requested.status, 200) << requested.body;
        url = std::string(requested.Json().at("presignedUrl").at("presignedUrl").as_string());
        const auto put = first.Client().Send(
            "PUT",
            url.substr(first.Client().BaseUrl().size()),
            {"Content-Type: application/octet-stream", "Content-MD5: " + Md5Base64(bytes)},
            bytes);
        ASSERT_EQ(put.status, 200) << put.body;
    }
    TestServer second(TestServerOptions{.environment = environment});
    // The admin key of the first start still works (no new bootstrap key on a used database).
    const std::vector<std::string> headers{"Authorization: Bearer " + admin_key,
                                           "x-api-version: 2025-09",
                                           "Content-Type: application/json"};
    const auto listed = second.Client().Send("GET", kList, headers);
    ASSERT_EQ(listed.status, 200) << listed.body;
    const auto files = listed.Json().at("files").as_array();
    ASSERT_EQ(files.size(), 1U);
    const std::string s3_key(files[0].at("s3Key").as_string());
    const auto requested =
        second.Client().Send("POST", kDownloadRequest, headers, R"({"s3Key":")" + s3_key + R"("})");
    ASSERT_EQ(requested.status, 200);
    const std::string download(requested.Json().at("downloadUrl").at("url").as_string());
    const auto got = second.Client().Send("GET", download.substr(second.Client().BaseUrl().size()));
    EXPECT_EQ(got.status, 200);
    EXPECT_TRUE(got.body == bytes);
}

}  // namespace
}  // namespace junction
