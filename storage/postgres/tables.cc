#include "storage/postgres/tables.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "common/time_format.h"

namespace issuer::storage::pg {

bool PlainName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

namespace {

Error NotPlain(std::string_view name) {
  return Error{Errc::kInvalidArgument, "not a plain name: " + std::string(name)};
}

// Read through ReadExpression, dates and booleans are integers too.
bool IsIntegerType(const std::string& type) {
  return type == "integer" || type == "bigint" || type == "smallint" || type == "boolean" ||
         type.starts_with("timestamp") || type == "date";
}

bool IsRealType(const std::string& type) {
  return type == "double precision" || type == "real" || type == "numeric";
}

bool IsDateType(const std::string& type) { return type.starts_with("timestamp") || type == "date"; }

// A column that holds numbers as numbers (not a boolean, not a date).
bool IsNumberColumn(const std::string& type) {
  return IsRealType(type) || type == "integer" || type == "bigint" || type == "smallint";
}

std::string FormatDouble(double d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", d);
  return text;
}

// An E'' literal: the same text whatever standard_conforming_strings says.
std::string QuoteLiteral(const std::string& text) {
  std::string out = "E'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

// The physical column Better Auth calls `name`, quoted, and its data_type ("" if not found).
struct Target {
  std::string column;
  std::string type;
};

Target Resolve(const Schema& schema, const TableInfo& table, const std::string& name) {
  if (const NamedColumn* found = FindNamed(table.columns, name)) {
    return {QuoteIdent(found->physical), found->type};
  }
  return {schema.Col(table.name, name), ""};
}

FieldType DeclaredType(const TableInfo& table, const ExtraColumn& column) {
  return column.type != FieldType::kAuto ? column.type : TypeOf(table.types, column.name);
}

std::string Mark(const std::vector<Param>& params) {
  return "$" + std::to_string(params.size() + 1);
}

// '!' escapes LIKE's wildcards: unlike a backslash it means the same under any
// standard_conforming_strings.
std::string LikePattern(WhereOp op, const std::string& text) {
  std::string out = op == WhereOp::kStartsWith ? "" : "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '!') out += '!';
    out += c;
  }
  return out + (op == WhereOp::kEndsWith ? "" : "%");
}

const char* Comparison(WhereOp op) {
  switch (op) {
    case WhereOp::kNe:
      return "<>";
    case WhereOp::kLt:
      return "<";
    case WhereOp::kLte:
      return "<=";
    case WhereOp::kGt:
      return ">";
    case WhereOp::kGte:
      return ">=";
    default:
      return "=";
  }
}

// Adds " where ..." for `where` to `sql->text` and its values to `sql->params`.
Status AppendWhere(const Schema& schema, const TableInfo& table, const std::vector<Where>& where,
                   Sql* sql) {
  for (size_t i = 0; i < where.size(); ++i) {
    const Where& w = where[i];
    if (!PlainName(w.field)) return NotPlain(w.field);
    sql->text += i == 0 ? " where " : " and ";
    const Target target = Resolve(schema, table, w.field);
    const bool null = std::holds_alternative<std::monostate>(w.value);
    if (null && (w.op == WhereOp::kEq || w.op == WhereOp::kNe)) {
      sql->text += target.column + (w.op == WhereOp::kEq ? " is null" : " is not null");
      continue;
    }
    if (w.op == WhereOp::kContains || w.op == WhereOp::kStartsWith || w.op == WhereOp::kEndsWith) {
      const auto* text = std::get_if<std::string>(&w.value);
      if (!text) return Error{Errc::kInvalidArgument, "a text match needs a text value"};
      const bool text_column = target.type == "text" || target.type == "character varying";
      sql->text += (text_column ? target.column : target.column + "::text") + " like " +
                   Mark(sql->params) + " escape '!'";
      sql->params.push_back(LikePattern(w.op, *text));
      continue;
    }
    sql->text += target.column + " " + Comparison(w.op) + " " + Mark(sql->params);
    sql->params.push_back(WriteParam(w.value, TypeOf(table.types, w.field), target.type));
  }
  return Status::Ok();
}

// Better Auth's name of a field's index (getDatabaseIndexName): "<table>_<column>_idx" (_uidx
// if unique), shortened with its FNV-1a hash when past PostgreSQL's 63 bytes.
std::string IndexName(const std::string& table, const std::string& column, bool unique) {
  const std::string kind = unique ? "uidx" : "idx";
  const std::string name = table + "_" + column + "_" + kind;
  if (name.size() <= 63) return name;
  uint32_t hash = 2166136261u;
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 16777619u;
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  const std::string suffix = "_" + std::string(hex) + "_" + kind;
  return name.substr(0, std::min(name.size() - kind.size() - 1, 63 - suffix.size())) + suffix;
}

// Better Auth's PostgreSQL type of a field (get-migration's getType).
std::string ColumnType(const std::string& table, const FieldDecl& field) {
  switch (field.type) {
    case FieldType::kNumber:
      // The one number Better Auth declares bigint: a Unix time in milliseconds.
      return table == "rateLimit" && field.name == "lastRequest" ? "bigint" : "integer";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kDate:
      return "timestamptz";
    default:
      return "text";
  }
}

// The default Better Auth gives a field it adds to an existing table (a static default of a
// string, number or boolean field, unless it is unique and optional), as SQL.
std::optional<std::string> DefaultLiteral(const FieldDecl& field) {
  if (field.unique && !field.required) return std::nullopt;
  if (field.type == FieldType::kDate || field.type == FieldType::kAuto) return std::nullopt;
  const ColumnValue value = TypedValue(field.default_value, field.type);
  if (const auto* text = std::get_if<std::string>(&value)) return QuoteLiteral(*text);
  return WriteParam(value, field.type, "");  // a number, true or false; none for NULL
}

Result<std::string> ColumnDefinition(const Schema& schema, const std::string& table,
                                     const FieldDecl& field, bool adding) {
  std::string sql = QuoteIdent(schema.Physical(table, field.name)) + " " + ColumnType(table, field);
  const std::optional<std::string> fallback = adding ? DefaultLiteral(field) : std::nullopt;
  if (fallback) sql += " default " + *fallback;
  // Added without a default, old rows would have no value: the column stays nullable then.
  if (field.required && (!adding || fallback)) sql += " not null";
  if (field.unique && !adding) sql += " unique";
  if (!field.references.empty()) {
    const size_t dot = field.references.find('.');
    const std::string ref_table = field.references.substr(0, dot);
    const std::string ref_field = dot == std::string::npos ? "" : field.references.substr(dot + 1);
    if (!PlainName(ref_table) || !PlainName(ref_field)) return NotPlain(field.references);
    sql += " references " + QuoteIdent(ref_table) + " (" + schema.Col(ref_table, ref_field) +
           ") on delete cascade";
  }
  return sql;
}

Status CreateIndex(Connection& conn, const Schema& schema, const std::string& table,
                   const FieldDecl& field, bool unique) {
  const std::string column = schema.Physical(table, field.name);
  return conn.Exec(std::string("create ") + (unique ? "unique " : "") + "index if not exists " +
                   QuoteIdent(IndexName(table, column, unique)) + " on " + QuoteIdent(table) +
                   " (" + QuoteIdent(column) + ")");
}

Status CreateTable(Connection& conn, const Schema& schema, const TableDecl& table) {
  std::string sql =
      "create table " + QuoteIdent(table.name) + R"( ("id" text not null primary key)";
  for (const FieldDecl& field : table.fields) {
    auto definition = ColumnDefinition(schema, table.name, field, false);
    if (!definition.ok()) return definition.error();
    sql += ", " + *definition;
  }
  if (Status st = conn.Exec(sql + ")"); !st.ok()) return st;
  for (const FieldDecl& field : table.fields) {
    if (!field.index || field.unique) continue;  // a unique column has its constraint's index
    if (Status st = CreateIndex(conn, schema, table.name, field, false); !st.ok()) return st;
  }
  return Status::Ok();
}

// Whether physical column `physical` of `table` is Better Auth's field `name`.
bool IsField(const Schema& schema, const std::string& table, const std::string& physical,
             const std::string& name) {
  return physical == name || physical == schema.Physical(table, name);
}

Status AddFields(Connection& conn, const Schema& schema, const TableDecl& table,
                 const std::vector<Schema::Column>& found) {
  for (const FieldDecl& field : table.fields) {
    const bool present = std::any_of(found.begin(), found.end(), [&](const Schema::Column& c) {
      return IsField(schema, table.name, c.name, field.name);
    });
    if (present) continue;
    auto definition = ColumnDefinition(schema, table.name, field, true);
    if (!definition.ok()) return definition.error();
    Status st = conn.Exec("alter table " + QuoteIdent(table.name) + " add column " + *definition);
    if (st.ok() && (field.unique || field.index)) {
      st = CreateIndex(conn, schema, table.name, field, field.unique);
    }
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Schema::Column>> InspectTable(Connection& conn, const std::string& table) {
  auto rows = conn.Query(
      "select column_name::text, data_type::text from information_schema.columns"
      " where table_schema = current_schema() and table_name = $1 order by ordinal_position",
      {table});
  if (!rows.ok()) return rows.error();
  std::vector<Schema::Column> columns;
  for (int r = 0; r < rows->size(); ++r) columns.push_back({rows->Text(r, 0), rows->Text(r, 1)});
  return columns;
}

NamedColumns NameColumns(const Schema& schema, const std::string& table,
                         const std::vector<Schema::Column>& found, const FieldTypes& types) {
  NamedColumns out;
  out.reserve(found.size());
  for (const Schema::Column& column : found) {
    auto field = std::find_if(types.begin(), types.end(), [&](const auto& entry) {
      return IsField(schema, table, column.name, entry.first);
    });
    out.push_back({field != types.end() ? field->first : schema.Logical(table, column.name),
                   column.name, column.type});
  }
  return out;
}

const NamedColumn* FindNamed(const NamedColumns& columns, std::string_view name) {
  for (const NamedColumn& column : columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

ColumnValue ReadValue(const Rows& rows, int row, int col, const std::string& type) {
  if (rows.IsNull(row, col)) return std::monostate();
  if (IsIntegerType(type)) return rows.Int(row, col);
  if (IsRealType(type)) return std::strtod(rows.Text(row, col).c_str(), nullptr);
  return rows.Text(row, col);
}

Param WriteParam(const ColumnValue& value, FieldType type, const std::string& column_type) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* d = std::get_if<double>(&value)) return FormatDouble(*d);
  const auto* i = std::get_if<int64_t>(&value);
  if (i == nullptr) return std::nullopt;
  const bool number_column = IsNumberColumn(column_type);
  if (IsDateType(column_type) || (type == FieldType::kDate && !number_column)) {
    return FormatIsoMs(*i);
  }
  if (column_type == "boolean" || (type == FieldType::kBoolean && !number_column)) {
    return std::string(*i != 0 ? "true" : "false");
  }
  if (type == FieldType::kBoolean) return std::string(*i != 0 ? "1" : "0");
  return std::to_string(*i);
}

Result<TableInfo> LoadTable(Connection& conn, const Schema& schema, const std::string& table,
                            FieldTypes types) {
  auto found = InspectTable(conn, table);
  if (!found.ok()) return found.error();
  NamedColumns columns = NameColumns(schema, table, *found, types);
  return TableInfo{table, std::move(columns), std::move(types)};
}

Result<Sql> SelectSql(const Schema& schema, const TableInfo& table, const std::vector<Where>& where,
                      const FindOptions& options) {
  if (!PlainName(table.name)) return NotPlain(table.name);
  if (table.columns.empty()) return Error{Errc::kInternal, "no such table: " + table.name};
  Sql sql;
  for (const NamedColumn& c : table.columns) {
    sql.text +=
        (sql.text.empty() ? "select " : ", ") + ReadExpression(QuoteIdent(c.physical), c.type);
  }
  sql.text += " from " + QuoteIdent(table.name);
  if (Status st = AppendWhere(schema, table, where, &sql); !st.ok()) return st.error();
  if (!options.sort_by.empty()) {
    if (!PlainName(options.sort_by)) return NotPlain(options.sort_by);
    sql.text += " order by " + Resolve(schema, table, options.sort_by).column +
                (options.descending ? " desc" : " asc");
  }
  // Parameters, not text: a page's offset does not make a statement of its own.
  if (options.limit >= 0) {
    sql.text += " limit " + Mark(sql.params);
    sql.params.push_back(std::to_string(options.limit));
  }
  if (options.offset > 0) {
    sql.text += " offset " + Mark(sql.params);
    sql.params.push_back(std::to_string(options.offset));
  }
  return sql;
}

Result<Sql> CountSql(const Schema& schema, const TableInfo& table,
                     const std::vector<Where>& where) {
  if (!PlainName(table.name)) return NotPlain(table.name);
  Sql sql{"select count(*) from " + QuoteIdent(table.name), {}};
  if (Status st = AppendWhere(schema, table, where, &sql); !st.ok()) return st.error();
  return sql;
}

Result<Sql> InsertSql(const Schema& schema, const TableInfo& table, const Row& row) {
  if (!PlainName(table.name)) return NotPlain(table.name);
  std::string columns;
  std::string marks;
  Sql sql;
  for (const ExtraColumn& column : row) {
    if (!PlainName(column.name)) return NotPlain(column.name);
    const Target target = Resolve(schema, table, column.name);
    columns += (columns.empty() ? "" : ", ") + target.column;
    marks += (marks.empty() ? "" : ", ") + Mark(sql.params);
    sql.params.push_back(WriteParam(column.value, DeclaredType(table, column), target.type));
  }
  sql.text = "insert into " + QuoteIdent(table.name) +
             (row.empty() ? " default values" : " (" + columns + ") values (" + marks + ")");
  return sql;
}

Result<Sql> UpdateSql(const Schema& schema, const TableInfo& table, const std::vector<Where>& where,
                      const Row& set) {
  if (!PlainName(table.name)) return NotPlain(table.name);
  if (set.empty()) return Error{Errc::kInvalidArgument, "an update sets no column"};
  Sql sql{"update " + QuoteIdent(table.name) + " set ", {}};
  for (const ExtraColumn& column : set) {
    if (!PlainName(column.name)) return NotPlain(column.name);
    const Target target = Resolve(schema, table, column.name);
    sql.text += (sql.params.empty() ? "" : ", ") + target.column + " = " + Mark(sql.params);
    sql.params.push_back(WriteParam(column.value, DeclaredType(table, column), target.type));
  }
  if (Status st = AppendWhere(schema, table, where, &sql); !st.ok()) return st.error();
  return sql;
}

Result<Sql> DeleteSql(const Schema& schema, const TableInfo& table,
                      const std::vector<Where>& where) {
  if (!PlainName(table.name)) return NotPlain(table.name);
  Sql sql{"delete from " + QuoteIdent(table.name), {}};
  if (Status st = AppendWhere(schema, table, where, &sql); !st.ok()) return st.error();
  return sql;
}

Row ReadRow(const Rows& rows, int row, const TableInfo& table) {
  Row out;
  out.reserve(table.columns.size());
  for (size_t i = 0; i < table.columns.size(); ++i) {
    out.push_back(
        {table.columns[i].name, ReadValue(rows, row, static_cast<int>(i), table.columns[i].type)});
  }
  ApplyTypes(table.types, &out);
  return out;
}

Status EnsureTable(Connection& conn, const Schema& schema, const TableDecl& table) {
  if (!PlainName(table.name)) return NotPlain(table.name);
  for (const FieldDecl& field : table.fields) {
    if (!PlainName(field.name)) return NotPlain(field.name);
  }
  auto found = InspectTable(conn, table.name);
  if (!found.ok()) return found.error();
  return found->empty() ? CreateTable(conn, schema, table) : AddFields(conn, schema, table, *found);
}

Result<RateLimitStep> ConsumeRateLimitStep(Connection& conn, const Schema& schema,
                                           const TableInfo& table,
                                           const RateLimitRequest& request) {
  const std::string name = QuoteIdent(table.name);
  const std::string key = Resolve(schema, table, "key").column;
  const std::string count = Resolve(schema, table, "count").column;
  const std::string last = Resolve(schema, table, "lastRequest").column;
  // The row, once this statement holds its lock, decides: a step waiting behind another
  // instance's sees that one's count (READ COMMITTED re-reads the locked row).
  const std::string stale = "$3::bigint - r." + last + " >= $4::bigint";
  auto upserted = conn.Query(
      "insert into " + name + " as r (" + Resolve(schema, table, "id").column + ", " + key + ", " +
          count + ", " + last + ") values ($1, $2, 1, $3::bigint) on conflict (" + key +
          ") do update set " + count + " = case when " + stale + " then 1 else r." + count +
          " + 1 end, " + last + " = $3::bigint where " + stale + " or r." + count +
          " < $5::bigint returning 1",
      {request.new_id, request.key, std::to_string(request.now_ms),
       std::to_string(request.window_ms), std::to_string(request.max)});
  if (!upserted.ok()) return upserted.error();
  if (upserted->size() > 0) return RateLimitStep{true, request.now_ms};
  // Refused, the row unchanged: its lastRequest says when the window ends.
  auto row =
      conn.Query("select " + last + " from " + name + " where " + key + " = $1", {request.key});
  if (!row.ok()) return row.error();
  return RateLimitStep{false, row->size() > 0 ? row->Int(0, 0) : request.now_ms};
}

}  // namespace issuer::storage::pg
