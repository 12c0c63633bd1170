#include "keys/openssl_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "keys/encoding.h"

namespace issuer::keys {
namespace {

using OrderedJson = nlohmann::ordered_json;

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_clear_free(bn); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct SigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

// What each algorithm means to OpenSSL.
struct AlgInfo {
  const char* alg;
  bool ec;
  const char* curve;   // JWK crv and OpenSSL group name (EC only)
  size_t coordinate;   // bytes per coordinate (EC only)
  const char* digest;  // "SHA256", "SHA512"
  bool pss;
};

const AlgInfo* Info(std::string_view alg) {
  static const AlgInfo kAlgs[] = {{"ES256", true, "P-256", 32, "SHA256", false},
                                  {"ES512", true, "P-521", 66, "SHA512", false},
                                  {"RS256", false, nullptr, 0, "SHA256", false},
                                  {"PS256", false, nullptr, 0, "SHA256", true}};
  for (const AlgInfo& info : kAlgs) {
    if (alg == info.alg) return &info;
  }
  return nullptr;
}

Error OpenSslError(const std::string& what) {
  ERR_clear_error();
  return Error{Errc::kInternal, what + " failed"};
}

Error Invalid(const std::string& what) {
  ERR_clear_error();
  return Error{Errc::kInvalidArgument, what};
}

std::string B64(const std::vector<unsigned char>& bytes) {
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// A key parameter as big-endian bytes, left-padded to `width` (0: minimal).
Result<std::vector<unsigned char>> ParamBytes(EVP_PKEY* key, const char* name, size_t width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return OpenSslError(name);
  BnPtr bn(raw);
  const size_t size = width ? width : static_cast<size_t>(BN_num_bytes(bn.get()));
  std::vector<unsigned char> out(size);
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size)) < 0) return OpenSslError(name);
  return out;
}

// The members of `names` (JWK member, OpenSSL parameter) appended to `jwk`.
Status AppendMembers(EVP_PKEY* key, const std::vector<std::pair<const char*, const char*>>& names,
                     size_t width, OrderedJson* jwk) {
  for (const auto& [member, param] : names) {
    auto bytes = ParamBytes(key, param, width);
    if (!bytes.ok()) return bytes.error();
    (*jwk)[member] = B64(*bytes);
    OPENSSL_cleanse(bytes->data(), bytes->size());
  }
  return Status::Ok();
}

const std::vector<std::pair<const char*, const char*>>& RsaPrivateMembers() {
  static const std::vector<std::pair<const char*, const char*>> members = {
      {"d", OSSL_PKEY_PARAM_RSA_D},
      {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
  return members;
}

Result<OrderedJson> JwkOf(EVP_PKEY* key, const AlgInfo& info, bool with_private) {
  OrderedJson jwk = {{"kty", info.ec ? "EC" : "RSA"}};
  Status st;
  if (info.ec) {
    st = AppendMembers(key, {{"x", OSSL_PKEY_PARAM_EC_PUB_X}, {"y", OSSL_PKEY_PARAM_EC_PUB_Y}},
                       info.coordinate, &jwk);
    jwk["crv"] = info.curve;
    if (st.ok() && with_private) {
      st = AppendMembers(key, {{"d", OSSL_PKEY_PARAM_PRIV_KEY}}, info.coordinate, &jwk);
    }
  } else {
    st = AppendMembers(key, {{"n", OSSL_PKEY_PARAM_RSA_N}, {"e", OSSL_PKEY_PARAM_RSA_E}}, 0, &jwk);
    if (st.ok() && with_private) st = AppendMembers(key, RsaPrivateMembers(), 0, &jwk);
  }
  if (!st.ok()) return st.error();
  return jwk;
}

// A base64url member of `jwk` as bytes; for EC coordinates exactly `width` bytes.
Result<std::string> Member(const nlohmann::json& jwk, const char* name, size_t width = 0) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return Invalid(std::string("JWK has no ") + name);
  auto bytes = Base64UrlDecode(it->get<std::string>());
  if (!bytes.ok() || bytes->empty()) return Invalid(std::string("JWK ") + name + " is not base64url");
  if (width && bytes->size() != width) return Invalid(std::string("JWK ") + name + " has the wrong length");
  return *bytes;
}

Status PushBn(OSSL_PARAM_BLD* bld, const char* param, const std::string& bytes,
              std::vector<BnPtr>* keep) {
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<int>(bytes.size()), nullptr));
  if (!bn || OSSL_PARAM_BLD_push_BN(bld, param, bn.get()) != 1) return OpenSslError(param);
  keep->push_back(std::move(bn));
  return Status::Ok();
}

// Adds the JWK's key parameters to `bld`; `with_private` also the private ones.
Status PushJwk(const nlohmann::json& jwk, const AlgInfo& info, bool with_private,
               OSSL_PARAM_BLD* bld, std::vector<BnPtr>* keep, std::string* point) {
  if (info.ec) {
    auto crv = jwk.find("crv");
    if (crv == jwk.end() || *crv != info.curve) return Invalid("JWK crv is not " + std::string(info.curve));
    auto x = Member(jwk, "x", info.coordinate);
    auto y = Member(jwk, "y", info.coordinate);
    if (!x.ok()) return x.error();
    if (!y.ok()) return y.error();
    *point = "\x04" + *x + *y;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, info.curve, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                         point->size()) != 1) {
      return OpenSslError("EC parameters");
    }
    if (!with_private) return Status::Ok();
    auto d = Member(jwk, "d", info.coordinate);
    if (!d.ok()) return d.error();
    Status st = PushBn(bld, OSSL_PKEY_PARAM_PRIV_KEY, *d, keep);
    OPENSSL_cleanse(d->data(), d->size());
    return st;
  }
  for (const auto& [member, param] :
       std::vector<std::pair<const char*, const char*>>{{"n", OSSL_PKEY_PARAM_RSA_N},
                                                        {"e", OSSL_PKEY_PARAM_RSA_E}}) {
    auto bytes = Member(jwk, member);
    if (!bytes.ok()) return bytes.error();
    if (Status st = PushBn(bld, param, *bytes, keep); !st.ok()) return st;
  }
  if (!with_private) return Status::Ok();
  for (const auto& [member, param] : RsaPrivateMembers()) {
    auto bytes = Member(jwk, member);
    if (!bytes.ok()) return bytes.error();
    Status st = PushBn(bld, param, *bytes, keep);
    OPENSSL_cleanse(bytes->data(), bytes->size());
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Result<EvpPkeyPtr> KeyFromJwk(std::string_view json, const AlgInfo& info, bool with_private) {
  auto jwk = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!jwk.is_object()) return Invalid("JWK is not a JSON object");
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || *kty != (info.ec ? "EC" : "RSA")) {
    return Invalid(std::string("JWK kty is not ") + (info.ec ? "EC" : "RSA"));
  }
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  std::vector<BnPtr> keep;
  std::string point;
  Status st = PushJwk(jwk, info, with_private, bld.get(), &keep, &point);
  if (!st.ok()) return st.error();
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, info.ec ? "EC" : "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    return Invalid("JWK is not a valid key");
  }
  EvpPkeyPtr key(raw);
  // A private key must match its public half; an EC public key must be on its curve (invalid-
  // curve attacks). An RSA public key needs no check to verify with.
  if (!with_private && !info.ec) return key;
  EvpPkeyCtxPtr check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  const int valid = with_private ? EVP_PKEY_pairwise_check(check.get())
                                 : EVP_PKEY_public_check(check.get());
  if (valid != 1) return Invalid("JWK is not a consistent key");
  return key;
}

// Sets PS256's padding (MGF1 with the signature digest, salt as long as the digest) on a sign
// or verify context; nothing for the other algorithms.
Status SetPadding(EVP_PKEY_CTX* ctx, const AlgInfo& info) {
  if (info.pss && (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                   EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return OpenSslError("PSS padding");
  }
  return Status::Ok();
}

// Starts a verify context with the algorithm's digest and padding.
Result<std::unique_ptr<EVP_MD_CTX, MdCtxFree>> VerifyContext(EVP_PKEY* key, const AlgInfo& info) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, info.digest, nullptr, nullptr, key,
                                      nullptr) != 1) {
    return OpenSslError("digest init");
  }
  Status padded = SetPadding(pctx, info);
  if (!padded.ok()) return padded.error();
  return ctx;
}

// DER ECDSA-Sig-Value -> R||S of `width` bytes each.
Result<std::string> DerToRaw(const std::string& der, size_t width) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OpenSslError("ECDSA signature decode");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * width, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, static_cast<int>(width)) < 0 ||
      BN_bn2binpad(s, out + width, static_cast<int>(width)) < 0) {
    return OpenSslError("ECDSA signature encode");
  }
  return raw;
}

// R||S -> DER; nullopt unless exactly 2 * width bytes.
std::optional<std::string> RawToDer(std::string_view raw, size_t width) {
  if (raw.size() != 2 * width) return std::nullopt;
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(in, static_cast<int>(width), nullptr);
  BIGNUM* s = BN_bin2bn(in + width, static_cast<int>(width), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0) return std::nullopt;
  std::string der(static_cast<size_t>(size), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

}  // namespace

bool IsOpenSslAlg(std::string_view alg) { return Info(alg) != nullptr; }

Result<std::shared_ptr<const OpenSslSigner>> OpenSslSigner::Generate(const std::string& alg,
                                                                    std::string kid,
                                                                    int modulus_bits) {
  const AlgInfo* info = Info(alg);
  if (info == nullptr) return Invalid("cannot make " + alg + " keys");
  if (!info->ec && modulus_bits < 2048) return Invalid("RSA keys need at least 2048 bits");
  EVP_PKEY* raw = info->ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info->curve)
                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA",
                                               static_cast<size_t>(modulus_bits));
  if (raw == nullptr) return OpenSslError("key generation");
  return std::shared_ptr<const OpenSslSigner>(new OpenSslSigner(alg, std::move(kid), EvpPkeyPtr(raw)));
}

Result<std::shared_ptr<const OpenSslSigner>> OpenSslSigner::FromPrivateJwk(const std::string& alg,
                                                                          std::string kid,
                                                                          std::string_view json) {
  const AlgInfo* info = Info(alg);
  if (info == nullptr) return Invalid("not an algorithm of OpenSSL keys: " + alg);
  auto key = KeyFromJwk(json, *info, /*with_private=*/true);
  if (!key.ok()) return key.error();
  return std::shared_ptr<const OpenSslSigner>(new OpenSslSigner(alg, std::move(kid), std::move(*key)));
}

std::string OpenSslSigner::PublicJwkJson() const {
  auto jwk = JwkOf(key_.get(), *Info(alg_), /*with_private=*/false);
  return jwk.ok() ? jwk->dump() : std::string();
}

Result<SecureBuffer> OpenSslSigner::PrivateJwkJson() const {
  auto jwk = JwkOf(key_.get(), *Info(alg_), /*with_private=*/true);
  if (!jwk.ok()) return jwk.error();
  std::string text = jwk->dump();
  ScopedWipe wipe(text.data(), text.size());
  auto buffer = SecureBuffer::CopyOf(text);
  if (!buffer) return Error{Errc::kInternal, "secure allocation failed"};
  return std::move(*buffer);
}

std::optional<std::string> OpenSslSigner::crv() const {
  const AlgInfo* info = Info(alg_);
  if (!info->ec) return std::nullopt;
  return std::string(info->curve);
}

OpenSslSigner::OpenSslSigner(std::string alg, std::string kid, EvpPkeyPtr key)
    : alg_(std::move(alg)),
      kid_(std::move(kid)),
      key_(std::move(key)),
      digest_(EVP_MD_fetch(nullptr, Info(alg_)->digest, nullptr)) {}

Result<EvpPkeyCtxPtr> OpenSslSigner::TakeContext() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      EvpPkeyCtxPtr ctx = std::move(pool_.back());
      pool_.pop_back();
      return ctx;
    }
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), digest_.get()) != 1) {
    return OpenSslError("sign init");
  }
  Status padded = SetPadding(ctx.get(), *Info(alg_));
  if (!padded.ok()) return padded.error();
  return ctx;
}

void OpenSslSigner::ReturnContext(EvpPkeyCtxPtr ctx) const {
  constexpr size_t kMaxIdle = 64;  // beyond the worker threads that sign at once
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (pool_.size() < kMaxIdle) pool_.push_back(std::move(ctx));
}

Result<std::string> OpenSslSigner::Sign(std::string_view signing_input) const {
  const AlgInfo& info = *Info(alg_);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (!digest_ || EVP_Digest(signing_input.data(), signing_input.size(), digest, &digest_size,
                             digest_.get(), nullptr) != 1) {
    return OpenSslError("digest");
  }
  auto ctx = TakeContext();
  if (!ctx.ok()) return ctx.error();
  size_t size = static_cast<size_t>(EVP_PKEY_get_size(key_.get()));
  std::string signature(size, '\0');
  if (EVP_PKEY_sign(ctx->get(), reinterpret_cast<unsigned char*>(signature.data()), &size, digest,
                    digest_size) != 1) {
    return OpenSslError("sign");
  }
  ReturnContext(std::move(*ctx));
  signature.resize(size);
  if (info.ec) return DerToRaw(signature, info.coordinate);
  return signature;
}

bool VerifyWithPublicJwk(const std::string& alg, std::string_view public_jwk,
                         std::string_view message, std::string_view signature) {
  const AlgInfo* info = Info(alg);
  if (info == nullptr) return false;
  auto key = KeyFromJwk(public_jwk, *info, /*with_private=*/false);
  if (!key.ok()) return false;
  std::string der(signature);
  if (info->ec) {
    auto converted = RawToDer(signature, info->coordinate);
    if (!converted) return false;
    der = std::move(*converted);
  }
  auto ctx = VerifyContext(key->get(), *info);
  if (!ctx.ok()) return false;
  const int ok = EVP_DigestVerify(ctx->get(), reinterpret_cast<const unsigned char*>(der.data()),
                                  der.size(), reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size());
  ERR_clear_error();
  return ok == 1;
}

namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

Result<EvpPkeyPtr> Ed25519PublicFromJwk(std::string_view public_jwk) {
  auto jwk = nlohmann::json::parse(public_jwk, nullptr, /*allow_exceptions=*/false);
  if (!jwk.is_object() || jwk.value("kty", "") != "OKP" || jwk.value("crv", "") != "Ed25519") {
    return Invalid("JWK is not an Ed25519 public key");
  }
  auto x = Member(jwk, "x", 32);
  if (!x.ok()) return x.error();
  EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (raw == nullptr) return OpenSslError("Ed25519 public key");
  return EvpPkeyPtr(raw);
}

}  // namespace

Result<std::string> PublicKeyPem(const std::string& alg, std::string_view public_jwk) {
  const AlgInfo* info = Info(alg);
  if (info == nullptr && alg != "EdDSA") return Invalid("no PEM form for " + alg);
  auto key = info ? KeyFromJwk(public_jwk, *info, /*with_private=*/false)
                  : Ed25519PublicFromJwk(public_jwk);
  if (!key.ok()) return key.error();
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key->get()) != 1) return OpenSslError("PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace issuer::keys
