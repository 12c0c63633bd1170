#include "server/session/limit_store.h"

#include "common/ids.h"

namespace issuer::server {
namespace {

constexpr char kTable[] = "rateLimit";
constexpr int64_t kPruneEveryMs = 60000;

}  // namespace

Status DatabaseLimitStore::DeclareTable(storage::Repository& repo) {
  using storage::FieldType;
  // Better Auth's getAuthTables: key string unique, count number, lastRequest number (bigint),
  // all required.
  auto field = [](const char* name, FieldType type) {
    storage::FieldDecl f;
    f.name = name;
    f.type = type;
    f.required = true;
    return f;
  };
  storage::TableDecl table{kTable,
                           {field("key", FieldType::kString), field("count", FieldType::kNumber),
                            field("lastRequest", FieldType::kNumber)}};
  table.fields[0].unique = true;
  return repo.DeclareTables({table});
}

Result<LimitDecision> DatabaseLimitStore::Consume(const std::string& key, const LimitRule& rule) {
  const int64_t now = clock_.NowMs();
  const int64_t window_ms = rule.window_s * 1000;
  auto step = repo_.ConsumeRateLimit({key, GenerateId(random_), now, window_ms, rule.max});
  if (!step.ok()) return step.error();
  Prune(now);
  if (step->allowed) return LimitDecision{true, 0};
  const int64_t left_ms = step->last_request_ms + window_ms - now;
  return LimitDecision{false, left_ms > 0 ? (left_ms + 999) / 1000 : 0};
}

// At most once a minute per instance; a failure only leaves rows for the next time.
void DatabaseLimitStore::Prune(int64_t now_ms) {
  int64_t last = last_prune_ms_.load();
  if (now_ms - last < kPruneEveryMs && now_ms >= last) return;
  if (!last_prune_ms_.compare_exchange_strong(last, now_ms)) return;  // another thread does it
  const storage::Where old{"lastRequest", now_ms - longest_window_ms_, storage::WhereOp::kLt};
  auto deleted = repo_.DeleteRows(kTable, {old});
  if (!deleted.ok()) {
    log_.Warn("rate_limit_prune_failed", "reason=\"" + deleted.error().message + "\"");
  }
}

}  // namespace issuer::server
