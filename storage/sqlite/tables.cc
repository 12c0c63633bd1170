#include "storage/sqlite/tables.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/time_format.h"
#include "storage/sqlite/schema.h"

namespace issuer::storage {

bool PlainName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

namespace {

std::string Quote(std::string_view name) { return "\"" + std::string(name) + "\""; }

Error NotPlain(std::string_view name) {
  return Error{Errc::kInvalidArgument, "not a plain name: " + std::string(name)};
}

// Better Auth's SQLite column types (kysely): numbers and booleans integer, dates date.
const char* SqlType(FieldType type) {
  switch (type) {
    case FieldType::kNumber:
    case FieldType::kBoolean:
      return "integer";
    case FieldType::kDate:
      return "date";
    default:
      return "text";
  }
}

// The value as Better Auth writes a field of `type`.
void Bind(Statement& st, int index, const ColumnValue& value, FieldType type) {
  if (const auto* i = std::get_if<int64_t>(&value)) {
    if (type == FieldType::kDate) return st.BindText(index, FormatIsoMs(*i));
    if (type == FieldType::kBoolean) return st.BindInt64(index, *i != 0 ? 1 : 0);
    return st.BindInt64(index, *i);
  }
  if (const auto* d = std::get_if<double>(&value)) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", *d);
    return st.BindText(index, text);  // an integer or real column stores it as a number
  }
  if (const auto* s = std::get_if<std::string>(&value)) return st.BindText(index, *s);
  st.BindNull(index);
}

ColumnValue ReadValue(const Statement& st, int col) {
  switch (st.ColumnType(col)) {
    case SQLITE_INTEGER:
      return st.ColumnInt64(col);
    case SQLITE_FLOAT:
      return st.ColumnDouble(col);
    case SQLITE_TEXT:
      return st.ColumnText(col);
    default:
      return std::monostate();
  }
}

// Adds " WHERE ..." for `where` to `sql`, and the values to bind in order (with their types).
struct Bound {
  ColumnValue value;
  FieldType type;
};

std::string EscapeLike(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

Status AppendWhere(const std::vector<Where>& where, const FieldTypes& types, std::string* sql,
                   std::vector<Bound>* binds) {
  for (size_t i = 0; i < where.size(); ++i) {
    const Where& w = where[i];
    if (!PlainName(w.field)) return NotPlain(w.field);
    *sql += i == 0 ? " WHERE " : " AND ";
    const std::string column = Quote(w.field);
    const bool null = std::holds_alternative<std::monostate>(w.value);
    if (null && (w.op == WhereOp::kEq || w.op == WhereOp::kNe)) {
      *sql += column + (w.op == WhereOp::kEq ? " IS NULL" : " IS NOT NULL");
      continue;
    }
    const FieldType type = TypeOf(types, w.field);
    const std::string mark = "?" + std::to_string(binds->size() + 1);
    switch (w.op) {
      case WhereOp::kEq: *sql += column + " = " + mark; break;
      case WhereOp::kNe: *sql += column + " <> " + mark; break;
      case WhereOp::kLt: *sql += column + " < " + mark; break;
      case WhereOp::kLte: *sql += column + " <= " + mark; break;
      case WhereOp::kGt: *sql += column + " > " + mark; break;
      case WhereOp::kGte: *sql += column + " >= " + mark; break;
      case WhereOp::kContains:
      case WhereOp::kStartsWith:
      case WhereOp::kEndsWith: {
        const auto* text = std::get_if<std::string>(&w.value);
        if (!text) return Error{Errc::kInvalidArgument, "a text match needs a text value"};
        const std::string pattern = std::string(w.op == WhereOp::kStartsWith ? "" : "%") +
                                    EscapeLike(*text) +
                                    (w.op == WhereOp::kEndsWith ? "" : "%");
        *sql += column + " LIKE " + mark + " ESCAPE '\\'";
        binds->push_back({pattern, FieldType::kString});
        continue;
      }
    }
    binds->push_back({w.value, type});
  }
  return Status::Ok();
}

Result<Connection::Lease> Prepared(Connection& conn, const std::string& sql,
                                   const std::vector<Bound>& binds) {
  auto st = conn.Cached(sql);
  if (!st.ok()) return st.error();
  for (size_t i = 0; i < binds.size(); ++i) {
    Bind(**st, static_cast<int>(i + 1), binds[i].value, binds[i].type);
  }
  return st;
}

Result<int64_t> RunChanging(Connection& conn, const std::string& sql,
                            const std::vector<Bound>& binds, std::string_view context) {
  auto st = Prepared(conn, sql, binds);
  if (!st.ok()) return st.error();
  if ((*st)->Step() == Statement::kError) {
    return SqliteError(conn.handle(), (*st)->last_rc(), context);
  }
  return int64_t{sqlite3_changes(conn.handle())};
}

std::string ColumnDefinition(const FieldDecl& field, bool adding) {
  std::string sql = Quote(field.name) + " " + SqlType(field.type);
  // An added column cannot be NOT NULL without a default; Better Auth's own migration leaves
  // the old rows null too.
  if (field.required && !adding) sql += " not null";
  if (field.unique && !adding) sql += " unique";
  if (!field.references.empty()) {
    const auto dot = field.references.find('.');
    sql += " references " + Quote(field.references.substr(0, dot)) + " (" +
           Quote(field.references.substr(dot + 1)) + ") on delete cascade";
  }
  return sql;
}

// The indexes of `table`'s fields (only those named in `added`, when adding columns: a unique
// field added to an existing table gets a unique index, since SQLite cannot add the constraint).
Status CreateIndexes(Connection& conn, const TableDecl& table, const std::vector<std::string>* added) {
  for (const FieldDecl& field : table.fields) {
    if (added && std::find(added->begin(), added->end(), field.name) == added->end()) continue;
    const bool unique = added != nullptr && field.unique;
    if (!field.index && !unique) continue;
    const std::string name = table.name + "_" + field.name + (unique ? "_uidx" : "_idx");
    Status st = conn.Exec(std::string(unique ? "create unique index" : "create index") +
                          " if not exists " + Quote(name) + " on " + Quote(table.name) + " (" +
                          Quote(field.name) + ")");
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Status EnsureSqliteTable(Connection& conn, const TableDecl& table, bool* changed) {
  if (!PlainName(table.name)) return NotPlain(table.name);
  for (const FieldDecl& field : table.fields) {
    if (!PlainName(field.name)) return NotPlain(field.name);
  }
  auto existing = TableColumns(conn, table.name);
  if (!existing.ok()) return existing.error();
  if (existing->empty()) {
    std::string sql = "create table " + Quote(table.name) + " (\"id\" text not null primary key";
    for (const FieldDecl& field : table.fields) sql += ", " + ColumnDefinition(field, false);
    if (Status st = conn.Exec(sql + ")"); !st.ok()) return st;
    *changed = true;
    return CreateIndexes(conn, table, nullptr);
  }
  std::vector<std::string> added;
  for (const FieldDecl& field : table.fields) {
    if (std::find(existing->begin(), existing->end(), field.name) != existing->end()) continue;
    Status st = conn.Exec("alter table " + Quote(table.name) + " add column " +
                          ColumnDefinition(field, true));
    if (!st.ok()) return st;
    added.push_back(field.name);
    *changed = true;
  }
  return added.empty() ? Status::Ok() : CreateIndexes(conn, table, &added);
}

Result<std::vector<Row>> SelectSqliteRows(Connection& conn, std::string_view table,
                                          const std::vector<Where>& where,
                                          const FindOptions& options, const FieldTypes& types) {
  if (!PlainName(table)) return NotPlain(table);
  std::string sql = "SELECT * FROM " + Quote(table);
  std::vector<Bound> binds;
  if (Status st = AppendWhere(where, types, &sql, &binds); !st.ok()) return st.error();
  if (!options.sort_by.empty()) {
    if (!PlainName(options.sort_by)) return NotPlain(options.sort_by);
    sql += " ORDER BY " + Quote(options.sort_by) + (options.descending ? " DESC" : " ASC");
  }
  if (options.limit >= 0 || options.offset > 0) {
    sql += " LIMIT " + std::to_string(options.limit) + " OFFSET " + std::to_string(options.offset);
  }
  auto st = Prepared(conn, sql, binds);
  if (!st.ok()) return st.error();
  std::vector<Row> rows;
  Statement::StepResult r;
  while ((r = (*st)->Step()) == Statement::kRow) {
    Row row;
    for (int c = 0; c < (*st)->ColumnCount(); ++c) {
      row.push_back({(*st)->ColumnName(c), ReadValue(**st, c)});
    }
    ApplyTypes(types, &row);
    rows.push_back(std::move(row));
  }
  if (r == Statement::kError) return SqliteError(conn.handle(), (*st)->last_rc(), "find rows");
  return rows;
}

Result<int64_t> CountSqliteRows(Connection& conn, std::string_view table,
                                const std::vector<Where>& where, const FieldTypes& types) {
  if (!PlainName(table)) return NotPlain(table);
  std::string sql = "SELECT count(*) FROM " + Quote(table);
  std::vector<Bound> binds;
  if (Status st = AppendWhere(where, types, &sql, &binds); !st.ok()) return st.error();
  auto st = Prepared(conn, sql, binds);
  if (!st.ok()) return st.error();
  if ((*st)->Step() != Statement::kRow) {
    return SqliteError(conn.handle(), (*st)->last_rc(), "count rows");
  }
  return (*st)->ColumnInt64(0);
}

Status InsertSqliteRow(Connection& conn, std::string_view table, const Row& row,
                       const FieldTypes& types) {
  if (!PlainName(table)) return NotPlain(table);
  std::string columns;
  std::string marks;
  std::vector<Bound> binds;
  for (const ExtraColumn& column : row) {
    if (!PlainName(column.name)) return NotPlain(column.name);
    columns += (columns.empty() ? "" : ", ") + Quote(column.name);
    marks += (marks.empty() ? "?" : ", ?") + std::to_string(binds.size() + 1);
    const FieldType type =
        column.type != FieldType::kAuto ? column.type : TypeOf(types, column.name);
    binds.push_back({column.value, type});
  }
  auto changed = RunChanging(conn,
                             "INSERT INTO " + Quote(table) + " (" + columns + ") VALUES (" +
                                 marks + ")",
                             binds, "insert row");
  if (!changed.ok()) return changed.error();
  return Status::Ok();
}

Result<int64_t> UpdateSqliteRows(Connection& conn, std::string_view table,
                                 const std::vector<Where>& where, const Row& set,
                                 const FieldTypes& types) {
  if (!PlainName(table)) return NotPlain(table);
  if (set.empty()) return Error{Errc::kInvalidArgument, "an update sets no column"};
  std::string sql = "UPDATE " + Quote(table) + " SET ";
  std::vector<Bound> binds;
  for (const ExtraColumn& column : set) {
    if (!PlainName(column.name)) return NotPlain(column.name);
    sql += (binds.empty() ? "" : ", ") + Quote(column.name) + " = ?" +
           std::to_string(binds.size() + 1);
    const FieldType type =
        column.type != FieldType::kAuto ? column.type : TypeOf(types, column.name);
    binds.push_back({column.value, type});
  }
  if (Status st = AppendWhere(where, types, &sql, &binds); !st.ok()) return st.error();
  return RunChanging(conn, sql, binds, "update rows");
}

Result<int64_t> DeleteSqliteRows(Connection& conn, std::string_view table,
                                 const std::vector<Where>& where, const FieldTypes& types) {
  if (!PlainName(table)) return NotPlain(table);
  std::string sql = "DELETE FROM " + Quote(table);
  std::vector<Bound> binds;
  if (Status st = AppendWhere(where, types, &sql, &binds); !st.ok()) return st.error();
  return RunChanging(conn, sql, binds, "delete rows");
}

Result<RateLimitStep> ConsumeSqliteRateLimit(Connection& conn, const RateLimitRequest& request) {
  auto found = conn.Cached(R"(SELECT "count", "lastRequest" FROM "rateLimit" WHERE "key" = ?1)");
  if (!found.ok()) return found.error();
  (*found)->BindText(1, request.key);
  const auto r = (*found)->Step();
  if (r == Statement::kError) return SqliteError(conn.handle(), (*found)->last_rc(), "rate limit");
  if (r == Statement::kDone) {
    auto insert = RunChanging(
        conn, R"(INSERT INTO "rateLimit" ("id", "key", "count", "lastRequest") VALUES (?1, ?2, 1, ?3))",
        {{request.new_id, FieldType::kString}, {request.key, FieldType::kString},
         {request.now_ms, FieldType::kNumber}},
        "rate limit");
    if (!insert.ok()) return insert.error();
    return RateLimitStep{true, request.now_ms};
  }
  const int64_t count = (*found)->ColumnInt64(0);
  const int64_t last = (*found)->ColumnInt64(1);
  (*found)->Reset();
  int64_t next_count = 0;
  if (request.now_ms - last >= request.window_ms) {
    next_count = 1;
  } else if (count < request.max) {
    next_count = count + 1;
  } else {
    return RateLimitStep{false, last};
  }
  auto update = RunChanging(
      conn, R"(UPDATE "rateLimit" SET "count" = ?1, "lastRequest" = ?2 WHERE "key" = ?3)",
      {{next_count, FieldType::kNumber}, {request.now_ms, FieldType::kNumber},
       {request.key, FieldType::kString}},
      "rate limit");
  if (!update.ok()) return update.error();
  return RateLimitStep{true, request.now_ms};
}

}  // namespace issuer::storage
