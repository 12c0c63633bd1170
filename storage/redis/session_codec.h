#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/rows.h"

namespace issuer::storage::redis {

// Better Auth 1.7.25's secondary-storage values, byte for byte (internal-adapter createSession,
// verification-token values). Dates are ISO text with milliseconds and 'Z'; booleans are JSON
// booleans; extra columns are written as their FieldType says.

// How the session object's keys are ordered: Better Auth writes the literal it builds when the
// session lives only in secondary storage (id first), and the adapter's row, schema order with
// id last, when it is also stored in the database.
enum class SessionLayout { kSecondaryOnly, kAlsoInDatabase };

// {"session":{...},"user":{...}}.
std::string EncodeSessionValue(const SessionRow& session, const UserRow& user,
                               SessionLayout layout);
// The session object alone, as EncodeSessionValue writes it.
std::string EncodeSession(const SessionRow& session, SessionLayout layout);
// The user object: schema order, id last, every column.
std::string EncodeUser(const UserRow& user);

// Reads a value Better Auth (or EncodeSessionValue) wrote; extra columns typed by `session_types`
// and `user_types`. nullopt if it is not such a value (Better Auth's safeJSONParse then treats
// the session as missing).
std::optional<SessionWithUser> DecodeSessionValue(std::string_view value,
                                                  const FieldTypes& session_types,
                                                  const FieldTypes& user_types);

// `value` with its "user" replaced by `user_json` (refreshUserSessions), the session kept as it
// was written; nullopt if `value` is not a session value.
std::optional<std::string> ReplaceUser(std::string_view value, const std::string& user_json);
// `value` with its "session" replaced by `session_json` (updateSession), the user kept.
std::optional<std::string> ReplaceSession(std::string_view value, const std::string& session_json);
// The tokens of an active-sessions list that expire after `now_ms`.
std::vector<std::string> LiveTokens(std::string_view list_json, int64_t now_ms);
// The session's expiresAt (ms) in a session value; nullopt if there is none.
std::optional<int64_t> SessionExpiry(std::string_view value);

// A verification value: {"createdAt","updatedAt","value","identifier","expiresAt"} (no id: the
// row never reaches the database), or with storeInDatabase the row's fields with its id.
std::string EncodeVerification(const VerificationRow& row, bool with_id);
std::optional<VerificationRow> DecodeVerification(std::string_view value);

}  // namespace issuer::storage::redis
