#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "storage/sqlite/connection.h"

namespace issuer::storage {

// Brings the database to Better Auth 1.7's schema (compat spec §3.1, §2) in one BEGIN IMMEDIATE
// transaction: a missing table is created with Better Auth's exact DDL and indexes; an existing
// table only gets the columns it lacks, as Better Auth's own migration adds them. Existing data
// is never touched.
Status Migrate(Connection& conn);

// The column names of `table`, in table order. Empty if the table does not exist.
Result<std::vector<std::string>> TableColumns(Connection& conn, const std::string& table);

}  // namespace issuer::storage
