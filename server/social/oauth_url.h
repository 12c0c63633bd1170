#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace issuer::server::social {

using Params = std::vector<std::pair<std::string, std::string>>;

// URLSearchParams' serialisation (application/x-www-form-urlencoded): a-z A-Z 0-9 *-._ kept,
// space as '+', every other byte %XX (uppercase hex); pairs joined by '&'.
std::string FormEncode(const Params& params);

// Better Auth's appendQueryParams: `params` appended to the query of an absolute or
// root-relative URL, before its fragment; an absolute URL with no path gets "/" (as URL.href).
std::string AppendQuery(const std::string& url, const Params& params);

// RFC 7636 S256: base64url(SHA-256(verifier)) without padding.
std::string CodeChallenge(std::string_view verifier);

// A token response's scope ("a b", or an array) as Better Auth's parseScopeField splits it.
std::vector<std::string> SplitScopes(std::string_view scope);

// An account row's scope column ("a,b") as Better Auth's parseStoredScopes and mergeScopes read
// it: split on ',', each trimmed, empty ones dropped.
std::vector<std::string> SplitStoredScopes(std::string_view stored);

// `items` joined with `separator`.
std::string Join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace issuer::server::social
