#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server::two_factor {

// The plugin's rows, read and written through the store's generic table API in Better Auth's
// shapes: the twoFactor table, user.twoFactorEnabled, and its verification rows.

inline constexpr char kTable[] = "twoFactor";
inline constexpr char kEnabledColumn[] = "twoFactorEnabled";

// The schema Better Auth's twoFactor() declares (schema.mjs).
std::vector<storage::TableDecl> TwoFactorSchema();

// A twoFactor row. `verified` may be NULL (a row Better Auth wrote before the column): Better Auth
// tests it with !== false / !== true, so NULL is neither.
struct Record {
  std::string id;
  std::string secret;        // sealed TOTP secret
  std::string backup_codes;  // sealed JSON array of codes (or plain, as configured)
  std::string user_id;
  std::optional<bool> verified;
  std::optional<int64_t> failed_count;
  std::optional<int64_t> locked_until_ms;
};

Result<std::optional<Record>> FindRecord(AuthContext& ctx, std::string_view user_id);
Status InsertRecord(AuthContext& ctx, const Record& record);
// Sets the sealed secret, backup codes and verified of the row `record.id`.
Status UpdateSecret(AuthContext& ctx, const Record& record);
Status DeleteRecords(AuthContext& ctx, std::string_view user_id);
Status SetVerified(AuthContext& ctx, std::string_view id);
// Replaces the backup codes if they are still `old` (a compare-and-set): false when another
// request changed them first.
Result<bool> ReplaceBackupCodes(AuthContext& ctx, std::string_view id, std::string_view old,
                                const std::string& codes);
Status SetBackupCodes(AuthContext& ctx, std::string_view id, const std::string& codes);
// The lockout counter: +1 (compare-and-set, retried) returning the new count; lock; reset.
Result<int64_t> IncrementFailures(AuthContext& ctx, std::string_view id);
Status LockUntil(AuthContext& ctx, std::string_view id, int64_t min_count, int64_t until_ms);
// Resets the counter and the lock; `only_expired_lock` limits it to a lock that has run out.
Status ResetFailures(AuthContext& ctx, std::string_view id, bool only_expired_lock);

// Whether the user row says two-factor is on (a NULL column: off, as Better Auth reads it).
bool Enabled(const storage::UserRow& user);
// updateUser(id, {twoFactorEnabled}) with updatedAt = now; returns the user as stored after.
Result<storage::UserRow> SetEnabled(AuthContext& ctx, const std::string& user_id, bool enabled);

// Better Auth's internalAdapter verification calls.
Status CreateVerification(AuthContext& ctx, const std::string& identifier,
                          const std::string& value, int64_t expires_at_ms);
// findVerificationValue: the newest row, expired or not.
Result<std::optional<storage::VerificationRow>> FindVerification(AuthContext& ctx,
                                                                 const std::string& identifier);
// consumeVerificationValue: deletes the newest row (and older ones) under `identifier` and
// returns it, unless another request consumed it first or it has expired (then nullopt).
Result<std::optional<storage::VerificationRow>> ConsumeVerification(AuthContext& ctx,
                                                                    const std::string& identifier);
Status DeleteVerifications(AuthContext& ctx, const std::string& identifier);

}  // namespace issuer::server::two_factor
