// GET /admin/list-users: Better Auth's listUsers (search, filter, sort, limit and offset over
// the user table, and the total that matches).
#include <algorithm>
#include <cmath>

#include "common/text.h"
#include "server/http/reply.h"
#include "server/plugins/admin/routes.h"
#include "server/session/account_checks.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server::admin {
namespace {

using storage::FieldType;

// Better Auth's whereOperators, in its order, and ours (kIn: the adapter throws for a single
// value, and a query value is one).
const std::vector<std::string> kOperators = {"eq", "ne", "lt", "lte", "gt", "gte", "in",
                                             "not_in", "contains", "starts_with", "ends_with"};

std::optional<storage::WhereOp> OperatorOf(const std::string& name) {
  using storage::WhereOp;
  static const std::vector<std::pair<std::string, WhereOp>> kOps = {
      {"eq", WhereOp::kEq},   {"ne", WhereOp::kNe},         {"lt", WhereOp::kLt},
      {"lte", WhereOp::kLte}, {"gt", WhereOp::kGt},         {"gte", WhereOp::kGte},
      {"not_in", WhereOp::kNe},  // `not in [value]`: the same rows as <> value
      {"contains", WhereOp::kContains}, {"starts_with", WhereOp::kStartsWith},
      {"ends_with", WhereOp::kEndsWith}};
  for (const auto& [op_name, op] : kOps) {
    if (op_name == name) return op;
  }
  return std::nullopt;
}

std::string QueryValue(const HttpRequest& request, const std::string& name,
                       const std::string& fallback = "") {
  auto it = request.query.find(name);
  return it == request.query.end() || it->second.empty() ? fallback : it->second;
}

bool HasQuery(const HttpRequest& request, const std::string& name) {
  return request.query.count(name) != 0;
}

std::optional<ApiError> ValidateQuery(const HttpRequest& request) {
  std::string message;
  for (const std::string& issue :
       {EnumIssue(request, "searchField", {"email", "name"}),
        EnumIssue(request, "searchOperator", {"contains", "starts_with", "ends_with"}),
        EnumIssue(request, "sortDirection", {"asc", "desc"}),
        EnumIssue(request, "filterOperator", kOperators)}) {
    if (!issue.empty()) message += (message.empty() ? "" : "; ") + issue;
  }
  if (message.empty()) return std::nullopt;
  return ApiError{ApiCode::kValidationError, message};
}

FieldType TypeOfUserField(const std::string& field) {
  FieldType type = storage::TypeOf(storage::CoreTypes("user"), field);
  return type != FieldType::kAuto ? type : storage::TypeOf(AdminUserTypes(), field);
}

// The adapter's transformWhereClause: a query string read as the field's type.
storage::ColumnValue TypedFilterValue(const std::string& field, const std::string& text) {
  switch (TypeOfUserField(field)) {
    case FieldType::kBoolean:
      return int64_t{text == "true"};
    case FieldType::kNumber: {
      auto number = JsNumber(text);
      if (!number || Trim(text).empty()) return text;
      if (*number == std::floor(*number) && std::fabs(*number) < 9e15) {
        return static_cast<int64_t>(*number);
      }
      return *number;
    }
    default:
      return text;
  }
}

// The search and filter conditions; nullopt when Better Auth's adapter would throw (its
// catch answers no users).
std::optional<std::vector<storage::Where>> Conditions(const HttpRequest& request) {
  std::vector<storage::Where> where;
  const std::string search = QueryValue(request, "searchValue");
  if (!search.empty()) {
    where.push_back({QueryValue(request, "searchField", "email"), search,
                     *OperatorOf(QueryValue(request, "searchOperator", "contains"))});
  }
  if (HasQuery(request, "filterValue")) {
    const std::string field = QueryValue(request, "filterField", "email");
    auto op = OperatorOf(QueryValue(request, "filterOperator", "eq"));
    if (!op) return std::nullopt;  // "in" with one value: "Value must be an array"
    const std::string value = request.query.at("filterValue");
    where.push_back({field, TypedFilterValue(field, value), *op});
  }
  return where;
}

// Number(query) || undefined; nullopt for a value SQLite refuses (not an integer).
struct Paging {
  bool valid = true;
  std::optional<int64_t> limit, offset;
};
Paging PagingOf(const HttpRequest& request) {
  Paging paging;
  for (const char* name : {"limit", "offset"}) {
    if (!HasQuery(request, name)) continue;
    auto number = JsNumber(request.query.at(name));
    if (!number || *number == 0) continue;  // NaN and 0 are falsy: undefined
    if (*number != std::floor(*number) || std::fabs(*number) > 9e15) {
      paging.valid = false;
      continue;
    }
    (std::string_view(name) == "limit" ? paging.limit : paging.offset) =
        static_cast<int64_t>(*number);
  }
  return paging;
}

// Whether every field the query names is a column of the user table (Better Auth's
// getFieldName throws for another, and its catch answers no users).
Result<bool> KnownFields(AuthContext& ctx, const std::vector<storage::Where>& where,
                         const std::string& sort_by) {
  auto columns = ctx.repo.Columns("user");
  if (!columns.ok()) return columns.error();
  auto known = [&](const std::string& field) {
    return std::find(columns->begin(), columns->end(), field) != columns->end();
  };
  if (!sort_by.empty() && !known(sort_by)) return false;
  return std::all_of(where.begin(), where.end(),
                     [&](const storage::Where& w) { return known(w.field); });
}

OrderedJson NoUsers() { return {{"users", OrderedJson::array()}, {"total", 0}}; }

// The answer, or nullopt for a store failure (kept apart from the adapter's refusals).
std::variant<OrderedJson, Error> Listing(AuthContext& ctx, const HttpRequest& request) {
  auto where = Conditions(request);
  const Paging paging = PagingOf(request);
  storage::FindOptions find;
  find.limit = paging.limit.value_or(100);  // the adapter's defaultFindManyLimit
  find.offset = paging.offset.value_or(0);
  find.sort_by = QueryValue(request, "sortBy");
  find.descending = QueryValue(request, "sortDirection") == "desc";
  if (!where || !paging.valid) return NoUsers();
  auto known = KnownFields(ctx, *where, find.sort_by);
  if (!known.ok()) return known.error();
  if (!*known) return NoUsers();
  auto rows = ctx.repo.FindRows("user", *where, find);
  if (!rows.ok() && rows.error().code == Errc::kInvalidArgument) return NoUsers();
  if (!rows.ok()) return rows.error();
  auto total = ctx.repo.CountRows("user", *where);
  if (!total.ok()) return total.error();
  OrderedJson users = OrderedJson::array();
  for (storage::Row& row : *rows) users.push_back(UserJson(storage::UserFromRow(std::move(row))));
  OrderedJson out = {{"users", std::move(users)}, {"total", *total}};
  if (paging.limit) out["limit"] = *paging.limit;
  if (paging.offset) out["offset"] = *paging.offset;
  return out;
}

}  // namespace

const storage::FieldTypes& AdminUserTypes() {
  static const storage::FieldTypes kTypes = {{"role", FieldType::kString},
                                             {"banned", FieldType::kBoolean},
                                             {"banReason", FieldType::kString},
                                             {"banExpires", FieldType::kDate}};
  return kTypes;
}

HttpReply ListUsers(AuthContext& ctx, const AdminOptions& options, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  if (auto error = ValidateQuery(request)) return ErrorReply(*error);
  HttpReply reply;
  auto found = RequireSession(ctx, request, site, SessionRule::kAny, &reply);
  if (auto* error = std::get_if<ApiError>(&found)) {
    return error->code == ApiCode::kUnauthorized ? EmptyUnauthorized(std::move(reply))
                                                 : WithError(std::move(reply), *error);
  }
  if (!HasPermission(options, std::get<storage::SessionWithUser>(found).user, "user", "list")) {
    return WithError(std::move(reply), AdminError(403, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS"));
  }
  auto listing = Listing(ctx, request);
  if (auto* error = std::get_if<Error>(&listing)) {
    return WithError(std::move(reply), LoggedFailure(ctx, *error));
  }
  reply.body = Dump(std::get<OrderedJson>(listing));
  AddBearerToken(site, &reply);
  return reply;
}

}  // namespace issuer::server::admin
