#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/rows.h"
#include "storage/sqlite/connection.h"

namespace issuer::storage {

// Better Auth's adapter over any table of a SQLite database, on one connection (the caller
// serialises use and picks the writer for writes). Names must be [A-Za-z0-9_] (kInvalidArgument);
// values are bound as `types` says: dates as ISO text, booleans 0/1, as Better Auth writes them,
// and rows come back typed by it.

// Creates `table` (an "id" text primary key and its fields) if it does not exist, or adds the
// fields it lacks. Sets *changed when it wrote anything.
Status EnsureSqliteTable(Connection& conn, const TableDecl& table, bool* changed);

Result<std::vector<Row>> SelectSqliteRows(Connection& conn, std::string_view table,
                                          const std::vector<Where>& where,
                                          const FindOptions& options, const FieldTypes& types);
Result<int64_t> CountSqliteRows(Connection& conn, std::string_view table,
                                const std::vector<Where>& where, const FieldTypes& types);
Status InsertSqliteRow(Connection& conn, std::string_view table, const Row& row,
                       const FieldTypes& types);
Result<int64_t> UpdateSqliteRows(Connection& conn, std::string_view table,
                                 const std::vector<Where>& where, const Row& set,
                                 const FieldTypes& types);
Result<int64_t> DeleteSqliteRows(Connection& conn, std::string_view table,
                                 const std::vector<Where>& where, const FieldTypes& types);

// Repository::ConsumeRateLimit's step, inside the caller's write transaction.
Result<RateLimitStep> ConsumeSqliteRateLimit(Connection& conn, const RateLimitRequest& request);

// Whether `name` may be spliced into SQL as a quoted identifier.
bool PlainName(std::string_view name);

}  // namespace issuer::storage
