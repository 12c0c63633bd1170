#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace issuer::storage {

// A column that a Better Auth app (or plugin) added to its tables: carried through as stored.
using ColumnValue = std::variant<std::monostate, int64_t, double, std::string>;
struct ExtraColumn {
  std::string name;
  ColumnValue value;
};

// Rows of Better Auth's tables (compat spec §3.1, §2). Times are Unix milliseconds; storage
// writes them as ISO-8601 text with milliseconds and 'Z', as Better Auth does.
struct UserRow {
  std::string id;
  std::string name;
  std::string email;  // lowercase
  bool email_verified = false;
  std::optional<std::string> image;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::vector<ExtraColumn> extra;  // other columns; written only by Repository::CreateUser
};

struct SessionRow {
  std::string id;
  std::string token;
  std::string user_id;
  int64_t expires_at_ms = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::optional<std::string> ip_address;
  std::optional<std::string> user_agent;
  std::vector<ExtraColumn> extra;  // read only; never written
};

struct AccountRow {
  std::string id;
  std::string account_id;
  std::string provider_id;
  std::string user_id;
  std::optional<std::string> password;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// An account as list-accounts reads it: the row and its OAuth scope (never written here).
struct ListedAccount {
  AccountRow row;
  std::optional<std::string> scope;
};

// A row of Better Auth's verification table: a single-use value under an identifier such as
// "reset-password:<token>".
struct VerificationRow {
  std::string id;
  std::string identifier;
  std::string value;
  int64_t expires_at_ms = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// A credential password change, applied in one transaction by Repository::SetPassword, in
// Better Auth's order (resetCredentialPassword, changePassword).
struct PasswordChange {
  std::string user_id;
  std::string password_hash;
  int64_t now_ms = 0;
  // When set, the rows of this verification identifier are consumed first (deleted); if there
  // is none, or the newest has expired at now_ms, nothing is written and SetPassword answers
  // kNotFound.
  std::optional<std::string> consume_identifier;
  bool revoke_sessions = false;           // every session of the user is deleted
  std::optional<SessionRow> new_session;  // inserted last (change-password's rotation)
  std::string new_account_id;  // the id of a credential account made if the user has none
};

struct JwkRow {
  std::string id;
  std::string public_key;
  std::string private_key;
  int64_t created_at_ms = 0;
  std::optional<int64_t> expires_at_ms;
  std::optional<std::string> alg;
  std::optional<std::string> crv;
};

// A change to the jwks table, applied in one write transaction (Repository::ChangeJwks).
struct JwkChange {
  std::vector<JwkRow> inserts;
  std::vector<std::pair<std::string, int64_t>> expiries;  // id -> new expiresAt
  std::vector<std::string> revokes;                        // rows deleted, recorded as revoked
};

// ba-issuer's own record of a key (table ba_issuer_key): when it was really made (a standby's
// jwks.createdAt sorts it below the active key), and when it was revoked (its jwks row is gone).
struct KeyRecord {
  std::string id;
  std::optional<std::string> alg;
  int64_t created_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
};

struct SessionWithUser {
  SessionRow session;
  UserRow user;
};

// A user found by email, with the password of its "credential" account if it has one.
struct CredentialUser {
  UserRow user;
  std::optional<std::string> password;
};

}  // namespace issuer::storage
