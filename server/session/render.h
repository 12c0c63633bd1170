#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "server/config/config.h"
#include "storage/rows.h"

namespace issuer::server {

using OrderedJson = nlohmann::ordered_json;

// The user object as Better Auth sends it: name, email, emailVerified, image, createdAt,
// updatedAt, the app's extra columns, then id. Dates are ISO strings.
OrderedJson UserJson(const storage::UserRow& user);

// The session object of get-session: expiresAt, token, createdAt, updatedAt, ipAddress,
// userAgent, userId, extra columns, id.
OrderedJson SessionJson(const storage::SessionRow& session);

// A row of a plugin's table as Better Auth's adapter returns it: `fields` in schema order,
// then "id"; a field the row lacks is null. Dates are ISO strings, booleans true/false.
OrderedJson RowJson(const storage::Row& row, const std::vector<std::string>& fields);

// The JWT claims Better Auth's jwt plugin signs (compat spec §1.4):
// {iat, ...user, sub, exp = iat + ttl, iss, aud}. `shape` picks the user fields and adds
// claims (from user fields, then static ones), then `extra` (the user's own claims) is added;
// sub is always the user id, and exp, iss and aud are defaults that the added claims win over,
// as in Better Auth. `audience` is a string or an array.
OrderedJson JwtClaims(const storage::UserRow& user, int64_t now_ms, int64_t ttl_s,
                      const std::string& issuer, const OrderedJson& audience,
                      const ClaimShape& shape = {},
                      const OrderedJson& extra = OrderedJson::object());

// Dump(JwtClaims(...)), the same bytes, written straight into one buffer when the payload has
// the default shape (the token path: no JSON tree).
std::string JwtClaimsJson(const storage::UserRow& user, int64_t now_ms, int64_t ttl_s,
                          const std::string& issuer, const OrderedJson& audience,
                          const ClaimShape& shape, const OrderedJson& extra);

// Compact JSON; invalid UTF-8 from the database is replaced, never thrown on.
std::string Dump(const OrderedJson& value);

}  // namespace issuer::server
