#include "junction/testing/test_pki.hpp"

#include <cstdlib>
#include <memory>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace junction::testing {
namespace {

struct KeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
    void operator()(X509* cert) const { X509_free(cert); }
};
struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using CertPtr = std::unique_ptr<X509, CertDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

void Require(bool ok) {
    if (!ok) {
        std::abort();  // OpenSSL could not build the fixture: nothing a test could do
    }
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    Require(extension != nullptr && X509_add_ext(cert, extension, -1) == 1);
    X509_EXTENSION_free(extension);
}

CertPtr NewCertificate(EVP_PKEY* key, const char* common_name, long serial) {
    CertPtr cert(X509_new());
    Require(cert != nullptr);
    Require(X509_set_version(cert.get(), 2) == 1);
    Require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1);
    Require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr);
    Require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86'400) != nullptr);
    Require(X509_set_pubkey(cert.get(), key) == 1);
    X509_NAME* name = X509_get_subject_name(cert.get());
    Require(X509_NAME_add_entry_by_txt(name,
                                       "CN",
                                       MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>(common_name),
                                       -1,
                                       -1,
                                       0) == 1);
    return cert;
}

std::string ToPem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    Require(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(size)};
}

std::string ToPem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    Require(bio != nullptr &&
            PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(size)};
}

}  // namespace

TestPki MakeTestPki() {
    const KeyPtr ca_key(EVP_EC_gen("P-256"));
    const KeyPtr server_key(EVP_EC_gen("P-256"));
    Require(ca_key != nullptr && server_key != nullptr);

    const CertPtr ca = NewCertificate(ca_key.get(), "Junction test CA", 1);
    Require(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) == 1);
    AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    AddExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
    Require(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0);

    const CertPtr server = NewCertificate(server_key.get(), "127.0.0.1", 2);
    Require(X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get())) == 1);
    AddExtension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    AddExtension(server.get(), ca.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    AddExtension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
    Require(X509_sign(server.get(), ca_key.get(), EVP_sha256()) > 0);

    return TestPki{.ca_pem = ToPem(ca.get()),
                   .server_cert_pem = ToPem(server.get()),
                   .server_key_pem = ToPem(server_key.get())};
}

}  // namespace junction::testing
