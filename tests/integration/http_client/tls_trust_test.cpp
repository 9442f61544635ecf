#include "junction/http_client/curl/tls_trust.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "junction/testing/temp_dir.hpp"
#include "junction/testing/test_pki.hpp"

namespace junction::http_client::curl {
namespace {

using testing::TempDir;

TEST(TlsTrustTest, TheSystemBundleIsReadOnce) {
    auto trust = TlsTrust::Load("", "");
    ASSERT_TRUE(trust.has_value()) << trust.error().message;
    EXPECT_FALSE((*trust)->SystemBundle().empty());
    EXPECT_GT((*trust)->CertificateCount(), 50U) << "Debian's ca-certificates bundle";
}

TEST(TlsTrustTest, TheExtraFileAddsItsCertificates) {
    const TempDir dir;
    const auto pki = testing::MakeTestPki();
    std::ofstream(dir.File("ca.pem")) << pki.ca_pem;
    auto system = TlsTrust::Load("", "");
    auto both = TlsTrust::Load("", dir.File("ca.pem"));
    ASSERT_TRUE(system.has_value() && both.has_value());
    EXPECT_EQ((*both)->CertificateCount(), (*system)->CertificateCount() + 1);
}

TEST(TlsTrustTest, AnExtraFileThatIsNotACertificateStopsStartup) {
    const TempDir dir;
    std::ofstream(dir.File("key.pem")) << testing::MakeTestPki().server_key_pem;
    std::ofstream(dir.File("empty.pem")) << "";
    for (const std::string& path : {dir.File("missing.pem"),
                                    dir.File("key.pem"),
                                    dir.File("empty.pem"),
                                    dir.Path().string()}) {
        auto trust = TlsTrust::Load("", path);
        ASSERT_FALSE(trust.has_value()) << path;
        EXPECT_EQ(trust.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(trust.error().message.find("egress.ca_file '" + path + "'"), std::string::npos)
            << trust.error().message;
    }
}

TEST(TlsTrustTest, NoSystemBundleLeavesOnlyTheExtraFile) {
    const TempDir dir;
    std::ofstream(dir.File("ca.pem")) << testing::MakeTestPki().ca_pem;
    auto trust = TlsTrust::Load(dir.File("no-such-bundle.pem"), dir.File("ca.pem"));
    ASSERT_TRUE(trust.has_value()) << trust.error().message;
    EXPECT_TRUE((*trust)->SystemBundle().empty());
    EXPECT_EQ((*trust)->CertificateCount(), 1U);
}

}  // namespace
}  // namespace junction::http_client::curl
