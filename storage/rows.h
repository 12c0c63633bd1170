#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace issuer::storage {

// A column that a Better Auth app (or plugin) added to its tables: carried through as stored.
using ColumnValue = std::variant<std::monostate, int64_t, double, std::string>;

// A field's type in Better Auth's schema (a plugin's `schema`, an app's additionalFields).
// kAuto: undeclared, carried as the store returns it. A declared field is read as:
//   kBoolean  int64 0 or 1 (from 0/1, "true"/"false", PostgreSQL boolean)
//   kDate     int64 Unix milliseconds (from ISO text, integers, timestamps)
//   kNumber   int64 or double;  kString  text
// and written as Better Auth writes it: booleans 0/1 (PostgreSQL true/false), dates ISO text.
enum class FieldType { kAuto, kString, kNumber, kBoolean, kDate };

struct ExtraColumn {
  std::string name;
  ColumnValue value;
  FieldType type = FieldType::kAuto;
};

// A row of any table, as Better Auth's adapter sees it: named, typed columns.
using Row = std::vector<ExtraColumn>;

// One field of a plugin's table, as Better Auth's schema declares it.
struct FieldDecl {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  ColumnValue default_value;  // written on insert when the field is not given (monostate: none)
  bool unique = false;
  bool index = false;
  std::string references;  // "user.id": a foreign key, on delete cascade
};

// A table (Better Auth's model) and its fields. For "user" and "session" the fields are
// added to the core table; any other table has an "id" text primary key besides them.
struct TableDecl {
  std::string name;
  std::vector<FieldDecl> fields;
};

// A condition of Better Auth's adapter `where`: field op value, joined by AND.
enum class WhereOp { kEq, kNe, kLt, kLte, kGt, kGte, kContains, kStartsWith, kEndsWith };
struct Where {
  std::string field;
  ColumnValue value;  // monostate with kEq/kNe: IS NULL / IS NOT NULL
  WhereOp op = WhereOp::kEq;
};

struct FindOptions {
  int64_t limit = -1;  // no limit
  int64_t offset = 0;
  std::string sort_by;  // a column; empty: the table's order
  bool descending = false;
};

// A request counted against a rate limit (Repository::ConsumeRateLimit).
struct RateLimitRequest {
  std::string key;     // Better Auth's "ip|path"
  std::string new_id;  // the id of the row if one is made
  int64_t now_ms = 0;
  int64_t window_ms = 0;
  int64_t max = 0;
};
struct RateLimitStep {
  bool allowed = false;
  int64_t last_request_ms = 0;  // of the row after the step (for X-Retry-After when refused)
};

// The declared types of one table's fields; an undeclared field is kAuto.
using FieldTypes = std::vector<std::pair<std::string, FieldType>>;
FieldType TypeOf(const FieldTypes& types, std::string_view name);
// Better Auth's types of the core tables' columns (user, session, account, verification).
const FieldTypes& CoreTypes(std::string_view table);
// Sets each column's type from `types` and reads its value as that type.
void ApplyTypes(const FieldTypes& types, std::vector<ExtraColumn>* columns);

// The value of column `name` in `row`, or nullptr.
const ColumnValue* FindColumn(const Row& row, std::string_view name);

// `row` for an insert into `table`, with each declared default (Better Auth's defaultValue) for
// a field the row does not give, as Better Auth's adapter fills them on create.
Row WithDefaults(const TableDecl& table, Row row);
// `raw` as a field of type `type` is read (see FieldType); kAuto returns it unchanged.
ColumnValue TypedValue(ColumnValue raw, FieldType type);

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
  std::vector<ExtraColumn> extra;  // other columns (a plugin's); written on insert
};

struct AccountRow {
  std::string id;
  std::string account_id;
  std::string provider_id;
  std::string user_id;
  std::optional<std::string> password;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  // An OAuth provider's account (social sign-in): the tokens as the caller stores them (sealed
  // or not), their expiry and the granted scope; unset ones are written as NULL.
  std::optional<std::string> access_token = std::nullopt;
  std::optional<std::string> refresh_token = std::nullopt;
  std::optional<std::string> id_token = std::nullopt;
  std::optional<int64_t> access_token_expires_at_ms = std::nullopt;
  std::optional<int64_t> refresh_token_expires_at_ms = std::nullopt;
  std::optional<std::string> scope = std::nullopt;
};

// A row of the user or session table as FindRows returns it (typed by Better Auth's schema),
// as the core row; the columns that are not core ones go to `extra`.
UserRow UserFromRow(Row row);
SessionRow SessionFromRow(Row row);

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
