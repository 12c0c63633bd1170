#include "storage/postgres/change_triggers.h"

#include <string>

#include "storage/postgres/schema.h"

namespace issuer::storage::pg {
namespace {

constexpr const char* kFunction = "ba_issuer_notify_sessions";
constexpr const char* kTrigger = "ba_issuer_sessions_changed";
constexpr const char* kTables[] = {"session", "user"};

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

// Whether `table` has the trigger already.
Result<bool> HasTrigger(Connection& conn, const std::string& table) {
  auto rows = conn.Query(
      "select 1 from pg_trigger where tgname = $1 and tgrelid = to_regclass($2)",
      {std::string(kTrigger), Quoted(table)});
  if (!rows.ok()) return rows.error();
  return rows->size() > 0;
}

Status Install(Connection& conn) {
  if (Status st = conn.Exec("select pg_advisory_xact_lock(" +
                            std::to_string(kMigrationLockKey) + ")");
      !st.ok()) {
    return st;
  }
  Status st = conn.Exec(std::string("create or replace function ") + kFunction +
                        "() returns trigger language plpgsql as $$ begin perform pg_notify('" +
                        kSessionsChannel + "', ''); return null; end $$");
  if (!st.ok()) return st;
  for (const char* table : kTables) {
    auto has = HasTrigger(conn, table);
    if (!has.ok()) return has.error();
    if (*has) continue;
    st = conn.Exec(std::string("create trigger ") + kTrigger +
                   " after update or delete or truncate on " + Quoted(table) +
                   " for each statement execute function " + kFunction + "()");
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

bool InstallChangeTriggers(Connection& conn) {
  auto tx = Transaction::Begin(conn);
  if (!tx.ok()) return false;
  if (!Install(conn).ok()) return false;  // the transaction rolls back as it goes
  return (*tx)->Commit().ok();
}

bool HasChangeTriggers(Connection& conn) {
  for (const char* table : kTables) {
    auto has = HasTrigger(conn, table);
    if (!has.ok() || !*has) return false;
  }
  return true;
}

}  // namespace issuer::storage::pg
