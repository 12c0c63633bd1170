#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/postgres/pq.h"
#include "storage/postgres/schema.h"
#include "storage/rows.h"

namespace issuer::storage::pg {

// Better Auth's adapter over any table of a PostgreSQL database: the statements, their
// parameters and the reading of their rows. Tables and fields are named as Better Auth names
// them (camelCase); they are mapped to the physical columns (the column found, in either
// naming, else the schema's naming) and back. Names must be [A-Za-z0-9_], at most 63 bytes
// (PostgreSQL's limit): kInvalidArgument otherwise. Values are written as the column's type
// takes them (dates as ISO text, booleans true/false) and read back typed by the table's types.

// Whether `name` may be spliced into SQL as a quoted identifier.
bool PlainName(std::string_view name);

// One column of a table: Better Auth's name for it, its physical name and its data_type.
struct NamedColumn {
  std::string name;
  std::string physical;
  std::string type;
};
using NamedColumns = std::vector<NamedColumn>;

// The columns of `table` in the current schema, in table order; empty if there is no such table.
Result<std::vector<Schema::Column>> InspectTable(Connection& conn, const std::string& table);
// `found` named as Better Auth names them: the field of `types` that is the column (by its
// name, or by its name in the schema's naming), else Schema::Logical.
NamedColumns NameColumns(const Schema& schema, const std::string& table,
                         const std::vector<Schema::Column>& found, const FieldTypes& types);
// The column Better Auth calls `name`, or nullptr.
const NamedColumn* FindNamed(const NamedColumns& columns, std::string_view name);

// A value read from a column selected through ReadExpression: NULL as monostate, integers,
// dates (ms) and booleans (0/1) as int64, reals as double, anything else as text.
ColumnValue ReadValue(const Rows& rows, int row, int col, const std::string& type);
// `value` as a parameter for a column of data_type `column_type` ("" if unknown) holding a
// field of `type`: dates as ISO text, booleans true/false (1/0 in an integer column).
Param WriteParam(const ColumnValue& value, FieldType type, const std::string& column_type);

// A table as the statements below see it.
struct TableInfo {
  std::string name;
  NamedColumns columns;  // as found; empty if the table does not exist
  FieldTypes types;      // Better Auth's types of the core columns, then the declared ones
};
Result<TableInfo> LoadTable(Connection& conn, const Schema& schema, const std::string& table,
                            FieldTypes types);

// A statement and its parameters ($1, $2, ...).
struct Sql {
  std::string text;
  std::vector<Param> params;
};

// SELECT (every column, dates as ms, booleans 0/1; read each row with ReadRow), count(*),
// INSERT, UPDATE (kInvalidArgument if `set` is empty) and DELETE over `table`.
Result<Sql> SelectSql(const Schema& schema, const TableInfo& table, const std::vector<Where>& where,
                      const FindOptions& options);
Result<Sql> CountSql(const Schema& schema, const TableInfo& table, const std::vector<Where>& where);
Result<Sql> InsertSql(const Schema& schema, const TableInfo& table, const Row& row);
Result<Sql> UpdateSql(const Schema& schema, const TableInfo& table, const std::vector<Where>& where,
                      const Row& set);
Result<Sql> DeleteSql(const Schema& schema, const TableInfo& table,
                      const std::vector<Where>& where);
// Row `row` of a SelectSql result, named and typed.
Row ReadRow(const Rows& rows, int row, const TableInfo& table);

// As Better Auth's Kysely migration for PostgreSQL: creates `table` if it does not exist (an
// "id" text primary key and its fields: text, integer (bigint for rateLimit.lastRequest),
// boolean, timestamptz; not null if required; unique; references on delete cascade; an index
// "<table>_<column>_idx" if indexed), or adds the fields it lacks (nullable unless required with
// a default; a unique one gets a unique index). Existing columns are never changed.
// REQUIRES: a transaction open on `conn`.
Status EnsureTable(Connection& conn, const Schema& schema, const TableDecl& table);

// Repository::ConsumeRateLimit's step on Better Auth's rateLimit table (`table`), decided and
// written by one INSERT ... ON CONFLICT DO UPDATE, so concurrent steps on the key, from any
// instance, queue on its row and each sees the one before.
Result<RateLimitStep> ConsumeRateLimitStep(Connection& conn, const Schema& schema,
                                           const TableInfo& table, const RateLimitRequest& request);

}  // namespace issuer::storage::pg
