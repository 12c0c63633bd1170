#include "server/plugins/two_factor/store.h"

#include "common/ids.h"

namespace issuer::server::two_factor {
namespace {

using storage::ColumnValue;
using storage::ExtraColumn;
using storage::FieldDecl;
using storage::FieldType;
using storage::Row;
using storage::Where;
using storage::WhereOp;

std::string Text(const Row& row, std::string_view name) {
  const ColumnValue* v = storage::FindColumn(row, name);
  if (v == nullptr) return "";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return "";
}

std::optional<int64_t> Int(const Row& row, std::string_view name) {
  const ColumnValue* v = storage::FindColumn(row, name);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<int64_t>(v)) return *i;
  if (const auto* d = std::get_if<double>(v)) return static_cast<int64_t>(*d);
  return std::nullopt;
}

Record FromRow(const Row& row) {
  Record r{Text(row, "id"), Text(row, "secret"), Text(row, "backupCodes"), Text(row, "userId"),
           std::nullopt, Int(row, "failedVerificationCount"), Int(row, "lockedUntil")};
  if (auto v = Int(row, "verified")) r.verified = *v != 0;
  return r;
}

ExtraColumn Bool(const char* name, bool value) {
  return {name, int64_t{value ? 1 : 0}, FieldType::kBoolean};
}

std::vector<Where> ById(std::string_view id) { return {Where{"id", std::string(id)}}; }

Status Done(const Result<int64_t>& changed) {
  if (!changed.ok()) return changed.error();
  return Status::Ok();
}

FieldDecl Field(const char* name, FieldType type, bool required, ColumnValue default_value = {},
                bool index = false, const char* references = "") {
  return FieldDecl{name, type, required, std::move(default_value), false, index, references};
}

storage::TableDecl TwoFactorTable() {
  return {kTable,
          {Field("secret", FieldType::kString, true, {}, /*index=*/true),
           Field("backupCodes", FieldType::kString, true),
           Field("userId", FieldType::kString, true, {}, true, "user.id"),
           Field("verified", FieldType::kBoolean, false, int64_t{1}),
           Field("failedVerificationCount", FieldType::kNumber, false, int64_t{0}),
           Field("lockedUntil", FieldType::kDate, false)}};
}

}  // namespace

std::vector<storage::TableDecl> TwoFactorSchema() {
  storage::TableDecl user{"user", {Field(kEnabledColumn, FieldType::kBoolean, false, int64_t{0})}};
  return {user, TwoFactorTable()};
}

Result<std::optional<Record>> FindRecord(AuthContext& ctx, std::string_view user_id) {
  storage::FindOptions one;
  one.limit = 1;
  auto rows = ctx.repo.FindRows(kTable, {Where{"userId", std::string(user_id)}}, one);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<Record>();
  return std::optional<Record>(FromRow(rows->front()));
}

Status InsertRecord(AuthContext& ctx, const Record& r) {
  Row row = {{"id", r.id, FieldType::kString},
             {"secret", r.secret, FieldType::kString},
             {"backupCodes", r.backup_codes, FieldType::kString},
             {"userId", r.user_id, FieldType::kString},
             Bool("verified", r.verified.value_or(true))};
  return ctx.repo.InsertRow(kTable, storage::WithDefaults(TwoFactorTable(), std::move(row)));
}

Status UpdateSecret(AuthContext& ctx, const Record& r) {
  Row set = {{"secret", r.secret, FieldType::kString},
             {"backupCodes", r.backup_codes, FieldType::kString},
             Bool("verified", r.verified.value_or(true))};
  return Done(ctx.repo.UpdateRows(kTable, ById(r.id), set));
}

Status DeleteRecords(AuthContext& ctx, std::string_view user_id) {
  return Done(ctx.repo.DeleteRows(kTable, {Where{"userId", std::string(user_id)}}));
}

Status SetVerified(AuthContext& ctx, std::string_view id) {
  return Done(ctx.repo.UpdateRows(kTable, ById(id), {Bool("verified", true)}));
}

Result<bool> ReplaceBackupCodes(AuthContext& ctx, std::string_view id, std::string_view old,
                                const std::string& codes) {
  std::vector<Where> where = ById(id);
  where.push_back(Where{"backupCodes", std::string(old)});
  auto changed =
      ctx.repo.UpdateRows(kTable, where, {{"backupCodes", codes, FieldType::kString}});
  if (!changed.ok()) return changed.error();
  return *changed > 0;
}

Status SetBackupCodes(AuthContext& ctx, std::string_view id, const std::string& codes) {
  return Done(ctx.repo.UpdateRows(kTable, ById(id), {{"backupCodes", codes, FieldType::kString}}));
}

Result<int64_t> IncrementFailures(AuthContext& ctx, std::string_view id) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    auto rows = ctx.repo.FindRows(kTable, ById(id));
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return int64_t{0};
    const std::optional<int64_t> old = Int(rows->front(), "failedVerificationCount");
    std::vector<Where> where = ById(id);
    where.push_back(old ? Where{"failedVerificationCount", *old} : Where{"failedVerificationCount", {}});
    const int64_t next = old.value_or(0) + 1;
    auto changed = ctx.repo.UpdateRows(
        kTable, where, {{"failedVerificationCount", next, FieldType::kNumber}});
    if (!changed.ok()) return changed.error();
    if (*changed > 0) return next;
  }
  return Error{Errc::kUnavailable, "twoFactor counter contended"};
}

Status LockUntil(AuthContext& ctx, std::string_view id, int64_t min_count, int64_t until_ms) {
  std::vector<Where> where = ById(id);
  where.push_back(Where{"failedVerificationCount", min_count, WhereOp::kGte});
  return Done(ctx.repo.UpdateRows(kTable, where, {{"lockedUntil", until_ms, FieldType::kDate}}));
}

Status ResetFailures(AuthContext& ctx, std::string_view id, bool only_expired_lock) {
  std::vector<Where> where = ById(id);
  if (only_expired_lock) where.push_back(Where{"lockedUntil", ctx.clock.NowMs(), WhereOp::kLte});
  Row set = {{"failedVerificationCount", int64_t{0}, FieldType::kNumber},
             {"lockedUntil", std::monostate{}, FieldType::kDate}};
  return Done(ctx.repo.UpdateRows(kTable, where, set));
}

bool Enabled(const storage::UserRow& user) {
  for (const ExtraColumn& c : user.extra) {
    if (c.name != kEnabledColumn) continue;
    if (const auto* i = std::get_if<int64_t>(&c.value)) return *i != 0;
    if (const auto* s = std::get_if<std::string>(&c.value)) return *s == "true" || *s == "1";
  }
  return false;
}

Result<storage::UserRow> SetEnabled(AuthContext& ctx, const std::string& user_id, bool enabled) {
  Row set = {Bool(kEnabledColumn, enabled),
             {"updatedAt", ctx.clock.NowMs(), FieldType::kDate}};
  auto changed = ctx.repo.UpdateRows("user", ById(user_id), set);
  if (!changed.ok()) return changed.error();
  auto user = ctx.repo.FindUserById(user_id);
  if (!user.ok()) return user.error();
  if (!user->has_value()) return Error{Errc::kNotFound, "user is gone"};
  return std::move(**user);
}

Status CreateVerification(AuthContext& ctx, const std::string& identifier,
                          const std::string& value, int64_t expires_at_ms) {
  const int64_t now = ctx.clock.NowMs();
  storage::VerificationRow row{GenerateId(ctx.random), identifier, value, expires_at_ms, now, now};
  return ctx.repo.InsertVerification(row);
}

Result<std::optional<storage::VerificationRow>> FindVerification(AuthContext& ctx,
                                                                 const std::string& identifier) {
  return ctx.repo.FindVerification(identifier);
}

Result<std::optional<storage::VerificationRow>> ConsumeVerification(
    AuthContext& ctx, const std::string& identifier) {
  using Found = std::optional<storage::VerificationRow>;
  auto latest = ctx.repo.FindVerification(identifier);
  if (!latest.ok()) return latest.error();
  if (!latest->has_value()) return Found();
  const storage::VerificationRow row = **latest;
  auto mine = ctx.repo.DeleteRows("verification", ById(row.id));
  if (!mine.ok()) return mine.error();
  auto rest = ctx.repo.DeleteRows(
      "verification", {Where{"identifier", identifier},
                       Where{"createdAt", row.created_at_ms, WhereOp::kLte}});
  if (!rest.ok()) return rest.error();
  // Only the request whose delete removed the row consumed it.
  if (*mine == 0 || row.expires_at_ms < ctx.clock.NowMs()) return Found();
  return Found(row);
}

Status DeleteVerifications(AuthContext& ctx, const std::string& identifier) {
  return Done(ctx.repo.DeleteRows("verification", {Where{"identifier", identifier}}));
}

}  // namespace issuer::server::two_factor
