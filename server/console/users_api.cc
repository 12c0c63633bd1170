// The console's users: list and search, create, edit, delete, their sessions and accounts, and
// "sign in as" (a session cookie for the browser).
#include <algorithm>
#include <map>

#include "common/time_format.h"
#include "server/console/api_support.h"
#include "server/console/routes.h"
#include "server/fixture/users.h"
#include "server/http/reply.h"
#include "server/session/session_cookies.h"

namespace issuer::server::console {
namespace {

HttpReply UserNotFound(const std::string& id) {
  return Refused(404, "USER_NOT_FOUND", "no user with id " + id);
}

// The newest users whose email or name contains `search` (every user when empty), at most
// `limit`.
Result<std::vector<storage::UserRow>> FindUsers(AuthContext& ctx, const std::string& search,
                                                int64_t limit) {
  const storage::FindOptions newest{limit, 0, "createdAt", true};
  std::vector<std::vector<storage::Where>> queries = {{}};
  if (!search.empty()) {
    queries = {{{"email", search, storage::WhereOp::kContains}},
               {{"name", search, storage::WhereOp::kContains}}};
  }
  std::map<std::string, storage::UserRow> found;
  for (const auto& where : queries) {
    auto rows = ctx.repo.FindRows("user", where, newest);
    if (!rows.ok()) return rows.error();
    for (storage::Row& row : *rows) {
      storage::UserRow user = storage::UserFromRow(std::move(row));
      found.emplace(user.id, std::move(user));
    }
  }
  std::vector<storage::UserRow> users;
  for (auto& [id, user] : found) users.push_back(std::move(user));
  std::sort(users.begin(), users.end(), [](const auto& a, const auto& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms > b.created_at_ms : a.id < b.id;
  });
  if (users.size() > static_cast<size_t>(limit)) users.resize(static_cast<size_t>(limit));
  return users;
}

HttpReply ListUsers(AuthContext& ctx, const HttpRequest& request) {
  auto limit = LimitOf(request, 100);
  if (!limit) return Invalid("limit: a whole number from 1 to 1000");
  auto users = FindUsers(ctx, Query(request, "search"), *limit);
  if (!users.ok()) return Failure(ctx, users.error());
  auto total = ctx.repo.CountRows("user", {});
  if (!total.ok()) return Failure(ctx, total.error());
  OrderedJson list = OrderedJson::array();
  for (const storage::UserRow& user : *users) list.push_back(UserJson(user));
  return JsonReply(Dump({{"users", list}, {"total", *total}}));
}

HttpReply CreateUser(AuthContext& ctx, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  auto spec = ParseUserSpec(std::get<json>(body), ctx.config);
  if (!spec.ok()) return Invalid(spec.error().message);
  auto user = ProvisionUser(ctx, *spec);
  if (!user.ok() && user.error().code == Errc::kConflict) return Invalid(user.error().message);
  if (!user.ok()) return Failure(ctx, user.error());
  if (!user->created) return ErrorReply({ApiCode::kUserAlreadyExists, ""});
  return JsonReply(Dump({{"user", UserJson(user->user)}}));
}

// The user named by `id`: the user, or the reply that says why not.
std::variant<storage::UserRow, HttpReply> UserById(AuthContext& ctx, const std::string& id) {
  if (id.empty()) return Invalid("id: expected a user id");
  auto user = ctx.repo.FindUserById(id);
  if (!user.ok()) return Failure(ctx, user.error());
  if (!user->has_value()) return UserNotFound(id);
  return std::move(**user);
}

// Every session of the user, expired ones too, newest first.
Result<OrderedJson> UserSessions(AuthContext& ctx, const storage::UserRow& user) {
  auto rows = ctx.repo.FindRows("session", {{"userId", user.id}}, {-1, 0, "createdAt", true});
  if (!rows.ok()) return rows.error();
  OrderedJson out = OrderedJson::array();
  const int64_t now = ctx.clock.NowMs();
  for (storage::Row& row : *rows)
    out.push_back(SessionSummary(storage::SessionFromRow(row), user, now));
  return out;
}

// The user's accounts without their secrets: `password` says whether one is set.
Result<OrderedJson> UserAccounts(AuthContext& ctx, const storage::UserRow& user) {
  auto accounts = ctx.repo.ListAccounts(user.id);
  if (!accounts.ok()) return accounts.error();
  OrderedJson out = OrderedJson::array();
  for (const storage::ListedAccount& a : *accounts) {
    out.push_back({{"id", a.row.id},
                   {"providerId", a.row.provider_id},
                   {"accountId", a.row.account_id},
                   {"createdAt", FormatIsoMs(a.row.created_at_ms)},
                   {"updatedAt", FormatIsoMs(a.row.updated_at_ms)},
                   {"password", a.row.password.has_value()}});
  }
  return out;
}

HttpReply UserDetail(AuthContext& ctx, const HttpRequest& request) {
  auto user = UserById(ctx, Query(request, "id"));
  if (auto* refused = std::get_if<HttpReply>(&user)) return *refused;
  const storage::UserRow& found = std::get<storage::UserRow>(user);
  auto sessions = UserSessions(ctx, found);
  if (!sessions.ok()) return Failure(ctx, sessions.error());
  auto accounts = UserAccounts(ctx, found);
  if (!accounts.ok()) return Failure(ctx, accounts.error());
  return JsonReply(
      Dump({{"user", UserJson(found)}, {"sessions", *sessions}, {"accounts", *accounts}}));
}

// name (a non-empty string) and emailVerified (a boolean) of `body` onto `user`; the reply
// that refuses them, or nullopt.
std::optional<HttpReply> ApplyEdits(const json& body, storage::UserRow* user) {
  const bool has_name = body.contains("name"), has_verified = body.contains("emailVerified");
  if (!has_name && !has_verified) return Invalid("nothing to update: give name or emailVerified");
  if (has_name) {
    auto name = TextField(body, "name");
    if (!name) return Invalid("name: expected a non-empty string");
    user->name = *name;
  }
  if (has_verified) {
    if (!body["emailVerified"].is_boolean())
      return Invalid("emailVerified: expected true or false");
    user->email_verified = body["emailVerified"].get<bool>();
  }
  return std::nullopt;
}

HttpReply UpdateUser(AuthContext& ctx, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  const json& in = std::get<json>(body);
  auto user = UserById(ctx, TextField(in, "id").value_or(""));
  if (auto* refused = std::get_if<HttpReply>(&user)) return *refused;
  storage::UserRow& found = std::get<storage::UserRow>(user);
  if (auto refused = ApplyEdits(in, &found)) return *refused;
  found.updated_at_ms = ctx.clock.NowMs();
  if (Status st = ctx.repo.UpdateUser(found); !st.ok()) return Failure(ctx, st.error());
  return JsonReply(Dump({{"user", UserJson(found)}}));
}

HttpReply DeleteUser(AuthContext& ctx, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  auto user = UserById(ctx, TextField(std::get<json>(body), "id").value_or(""));
  if (auto* refused = std::get_if<HttpReply>(&user)) return *refused;
  const std::string& id = std::get<storage::UserRow>(user).id;
  if (Status st = ctx.repo.DeleteUser(id); !st.ok()) return Failure(ctx, st.error());
  ctx.user_claims.Set(id, OrderedJson::object());
  ctx.log.Info("console_user_deleted", "user=" + id);
  return JsonReply(Dump({{"success", true}}));
}

// A new session of the user, as a sign-in makes it (the plugins may refuse it: a banned
// user's), with its cookie set on the reply.
HttpReply SignInAs(AuthContext& ctx, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  auto user = UserById(ctx, TextField(std::get<json>(body), "id").value_or(""));
  if (auto* refused = std::get_if<HttpReply>(&user)) return *refused;
  storage::UserRow& found = std::get<storage::UserRow>(user);
  auto admitted = AdmitSession(ctx, found);
  if (auto* refused = std::get_if<ApiError>(&admitted)) return ErrorReply(*refused);
  auto issued = IssueSession(ctx, found, request, std::nullopt, std::get<storage::Row>(admitted));
  if (!issued.ok()) return Failure(ctx, issued.error());
  HttpReply reply =
      JsonReply(Dump({{"user", UserJson(found)},
                      {"session", SessionSummary(issued->session, found, ctx.clock.NowMs())}}));
  SetSessionCookies(ctx, issued->session, /*remember=*/true, SiteOf(ctx.config, request), &reply);
  ctx.log.Info("console_sign_in_as", "user=" + found.id);
  return reply;
}

}  // namespace

void AddUserRoutes(AuthContext& ctx, std::vector<Route>* routes) {
  static constexpr Endpoint kEndpoints[] = {{"GET", "/__test/users", &ListUsers},
                                            {"POST", "/__test/users", &CreateUser},
                                            {"GET", "/__test/users/detail", &UserDetail},
                                            {"POST", "/__test/users/update", &UpdateUser},
                                            {"POST", "/__test/users/delete", &DeleteUser},
                                            {"POST", "/__test/users/sign-in-as", &SignInAs}};
  AddEndpoints(ctx, kEndpoints, routes);
}

}  // namespace issuer::server::console
