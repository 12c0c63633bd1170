#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/postgres/pq.h"

namespace issuer::storage::pg {

// Better Auth's tables as found in the current schema. Names in code are Better Auth's logical
// camelCase ones; Physical() maps them to the columns the database has: camelCase (Kysely,
// Prisma) or snake_case (Drizzle's default). Dates may be timestamptz or a naive timestamp
// (Prisma, Drizzle, Better Auth <= 1.3.10), which holds UTC.
class Schema {
 public:
  struct Column {
    std::string name;  // physical
    std::string type;  // information_schema data_type
  };

  // Reads the tables' columns. `snake_case` is detected from the user table ("email_verified").
  static Result<Schema> Inspect(Connection& conn);

  bool snake_case() const { return snake_case_; }
  // The physical name of a Better Auth column, as this schema's naming makes it (unquoted).
  std::string Physical(const std::string& table, const std::string& logical) const;
  // The quoted physical name of a Better Auth column.
  std::string Col(const std::string& table, const std::string& logical) const;
  // An expression reading that column: dates as Unix milliseconds (UTC for naive timestamps),
  // booleans as 0/1, anything else as it is.
  std::string Read(const std::string& table, const std::string& logical,
                   const std::string& alias = "") const;
  // The logical name of a physical column.
  std::string Logical(const std::string& table, const std::string& physical) const;
  const std::vector<Column>& Columns(const std::string& table) const;
  // One line for the start-up log: the schema, the naming and the date type found.
  std::string Describe() const;

 private:
  friend Status Migrate(Connection& conn, Schema* schema);
  std::string schema_name_;
  bool snake_case_ = false;
  std::map<std::string, std::vector<Column>> tables_;
};

// The advisory lock key of every schema change (Migrate, Repository::DeclareTables): one
// migrator at a time across instances. Next to the rotation key ("ba-issuf" in ASCII).
constexpr int64_t kMigrationLockKey = 7088997219389633894;

// Reads `x` (a quoted column, maybe qualified) of data_type `type` as ms/0-1/itself.
std::string ReadExpression(const std::string& x, const std::string& type);

// Creates Better Auth's tables that are missing (exactly as its Kysely migration does, or in
// the detected naming) and adds missing columns, in one transaction; then inspects again.
// kInvalidArgument if a table lacks a column that cannot be added.
Status Migrate(Connection& conn, Schema* schema);

}  // namespace issuer::storage::pg
