#include "server/social/oauth_url.h"

#include "common/text.h"

#include <sodium.h>

#include <algorithm>

#include "keys/encoding.h"

namespace issuer::server::social {
namespace {

bool KeptInForm(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '*' || c == '-' || c == '.' || c == '_';
}

void AppendFormComponent(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (KeptInForm(c)) {
      out->push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out->push_back('+');
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

}  // namespace

std::string FormEncode(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    AppendFormComponent(name, &out);
    out.push_back('=');
    AppendFormComponent(value, &out);
  }
  return out;
}

std::string AppendQuery(const std::string& url, const Params& params) {
  const std::string query = FormEncode(params);
  if (query.empty()) return url;
  const size_t hash = url.find('#');
  std::string head = url.substr(0, hash);
  const std::string fragment = hash == std::string::npos ? "" : url.substr(hash);
  const size_t scheme = head.find("://");
  if (scheme != std::string::npos && head.find('/', scheme + 3) == std::string::npos) {
    const size_t q = std::min(head.find('?'), head.size());
    head = head.substr(0, q) + "/" + head.substr(q);
  }
  const size_t q = head.find('?');
  if (q == std::string::npos || q + 1 == head.size()) {
    if (q == std::string::npos) head.push_back('?');
  } else if (head.back() != '&') {
    head.push_back('&');
  }
  return head + query + fragment;
}

std::string CodeChallenge(std::string_view verifier) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(verifier.data()),
                     verifier.size());
  return keys::Base64UrlEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

std::vector<std::string> SplitStoredScopes(std::string_view stored) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= stored.size()) {
    size_t end = stored.find(',', start);
    if (end == std::string_view::npos) end = stored.size();
    std::string scope = Trim(stored.substr(start, end - start));
    if (!scope.empty()) out.push_back(std::move(scope));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> SplitScopes(std::string_view scope) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < scope.size()) {
    while (i < scope.size() && (scope[i] == ' ' || scope[i] == '\t' || scope[i] == '\n')) ++i;
    size_t end = i;
    while (end < scope.size() && scope[end] != ' ' && scope[end] != '\t' && scope[end] != '\n') {
      ++end;
    }
    if (end > i) out.emplace_back(scope.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace issuer::server::social
