#include "storage/redis/secondary_repository.h"

#include <algorithm>
#include <set>

#include "common/time_format.h"
#include "storage/redis/location.h"
#include "storage/redis/pool.h"
#include "storage/redis/scripts.h"
#include "storage/redis/session_codec.h"

namespace issuer::storage {
namespace {

using redis::Command;
using redis::Reply;

int64_t TtlSeconds(int64_t expires_ms, int64_t now_ms) {
  return std::max<int64_t>((expires_ms - now_ms) / 1000, 0);  // Better Auth's getTTLSeconds
}

Error Unexpected(const Reply& r) {
  return Error{Errc::kUnavailable,
               "redis: " + (r.kind == Reply::kError ? r.str : std::string("an unexpected reply"))};
}

class SecondaryRepository final : public Repository {
 public:
  SecondaryRepository(std::unique_ptr<Repository> inner, std::unique_ptr<redis::Pool> pool,
                      SecondaryStorageOptions options, std::string description)
      : inner_(std::move(inner)),
        pool_(std::move(pool)),
        opt_(std::move(options)),
        layout_(opt_.store_session_in_database ? redis::SessionLayout::kAlsoInDatabase
                                               : redis::SessionLayout::kSecondaryOnly),
        description_(std::move(description)) {}

  // --- Sessions ---

  Result<std::optional<SessionWithUser>> FindSessionWithUser(std::string_view token) override {
    auto reply = Eval(redis::kFindSession, {Key(token)}, {opt_.key_prefix});
    // Redis unreachable: where the database holds every session and every revocation
    // (storeSessionInDatabase without preserve), it answers alone; otherwise 503.
    if (!reply.ok() && DatabaseFallback()) return inner_->FindSessionWithUser(token);
    if (!reply.ok()) return reply.error();
    if (reply->kind == Reply::kNil) {
      if (DatabaseFallback()) return inner_->FindSessionWithUser(token);
      return std::optional<SessionWithUser>();
    }
    if (reply->kind != Reply::kArray || reply->elements.size() != 2) return Unexpected(*reply);
    auto found = redis::DecodeSessionValue(reply->elements[0].str, session_types_, user_types_);
    if (!found || Revoked(found->session, reply->elements[1])) {
      return std::optional<SessionWithUser>();
    }
    return std::optional<SessionWithUser>(std::move(*found));
  }

  Status InsertSession(const SessionRow& session) override {
    auto user = StoredUser(session.user_id);
    if (!user.ok()) return user.error();
    return CacheThenWrite(session, *user, [&] {
      return opt_.store_session_in_database ? inner_->InsertSession(session) : Status::Ok();
    });
  }

  Status CreateUserWithAccount(const UserRow& user, const AccountRow& account,
                               const SessionRow& session) override {
    return CacheThenWrite(session, user, [&] {
      return opt_.store_session_in_database ? inner_->CreateUserWithAccount(user, account, session)
                                            : inner_->CreateUser(user, account);
    });
  }

  Status DeleteSession(std::string_view token) override {
    auto dropped = Eval(redis::kDropSession, {Key(token)}, {opt_.key_prefix, Now()});
    if (!dropped.ok()) return dropped.error();
    if (!opt_.store_session_in_database) return Status::Ok();
    if (opt_.preserve_session_in_database) return EndPreserved({{"token", std::string(token)}});
    return inner_->DeleteSession(token);
  }

  Status UpdateSessionExpiry(std::string_view session_id, int64_t expires_at_ms,
                             int64_t updated_at_ms) override {
    // Only the SQL copy can be found by id; RefreshSession is the way in.
    if (!opt_.store_session_in_database) return Status::Ok();
    return inner_->UpdateSessionExpiry(session_id, expires_at_ms, updated_at_ms);
  }

  Status RefreshSession(const SessionRow& session, int64_t expires_at_ms,
                        int64_t updated_at_ms) override {
    Row set = {{"expiresAt", expires_at_ms, FieldType::kDate},
               {"updatedAt", updated_at_ms, FieldType::kDate}};
    auto updated = UpdateCachedSession(session.token, set);
    if (!updated.ok()) return updated.error();
    if (!opt_.store_session_in_database) return Status::Ok();
    return inner_->UpdateSessionExpiry(session.id, expires_at_ms, updated_at_ms);
  }

  Result<std::vector<SessionRow>> ListUserSessions(std::string_view user_id,
                                                   int64_t now_ms) override {
    if (DatabaseFallback()) return inner_->ListUserSessions(user_id, now_ms);
    auto reply = Eval(redis::kListSessions, {Key("active-sessions-" + std::string(user_id))},
                      {opt_.key_prefix, std::to_string(now_ms), std::string(user_id)});
    if (!reply.ok()) return reply.error();
    if (reply->kind != Reply::kArray || reply->elements.empty()) return Unexpected(*reply);
    std::vector<SessionRow> out;
    for (size_t i = 1; i < reply->elements.size(); ++i) {
      auto found =
          redis::DecodeSessionValue(reply->elements[i].str, session_types_, user_types_);
      if (!found || Revoked(found->session, reply->elements[0])) continue;
      out.push_back(std::move(found->session));
    }
    return out;
  }

  Status DeleteUserSessions(std::string_view user_id) override {
    if (opt_.store_session_in_database) {
      Status st = opt_.preserve_session_in_database
                      ? EndPreserved({{"userId", std::string(user_id)}})
                      : inner_->DeleteUserSessions(user_id);
      if (!st.ok()) return st;
    }
    return RevokeCached(user_id);
  }

  // Better Auth's revoke-other-sessions: listSessions, then deleteSessions of the others (the
  // keys only; the list keeps them until its next rewrite).
  Status DeleteOtherSessions(std::string_view user_id, std::string_view keep_token,
                             int64_t now_ms) override {
    auto sessions = ListUserSessions(user_id, now_ms);
    if (!sessions.ok()) return sessions.error();
    Command del = {"DEL"};
    for (const SessionRow& s : *sessions) {
      if (s.token != keep_token) del.push_back(Key(s.token));
    }
    if (del.size() > 1) {
      auto done = pool_->Run(del);
      if (!done.ok()) return done.error();
    }
    if (!opt_.store_session_in_database) return Status::Ok();
    if (opt_.preserve_session_in_database) {
      for (const SessionRow& s : *sessions) {
        if (s.token == keep_token) continue;
        if (Status st = EndPreserved({{"token", s.token}}); !st.ok()) return st;
      }
      return Status::Ok();
    }
    return inner_->DeleteOtherSessions(user_id, keep_token, now_ms);
  }

  Status DeleteUser(std::string_view user_id) override {
    if (Status st = inner_->DeleteUser(user_id); !st.ok()) return st;
    return RevokeCached(user_id);
  }

  Status DeleteUsers() override {
    if (Status st = inner_->DeleteUsers(); !st.ok()) return st;
    return DeleteEveryKey();
  }

  // update-user: the user row, then the copy of it inside each cached session
  // (refreshUserSessions).
  Status UpdateUser(const UserRow& user) override {
    if (Status st = inner_->UpdateUser(user); !st.ok()) return st;
    auto fresh = inner_->FindUserById(user.id);
    if (!fresh.ok()) return fresh.error();
    if (!*fresh) return Status::Ok();
    return RefreshCachedUser(**fresh);
  }

  Result<int64_t> UpdateRows(std::string_view table, const std::vector<Where>& where,
                             const Row& set) override {
    const bool by_token = table == "session" && where.size() == 1 &&
                          where[0].field == "token" && where[0].op == WhereOp::kEq &&
                          std::holds_alternative<std::string>(where[0].value);
    if (table == "user") return UpdateUserRows(where, set);
    if (!by_token) return inner_->UpdateRows(table, where, set);
    auto updated = UpdateCachedSession(std::get<std::string>(where[0].value), set);
    if (!updated.ok()) return updated.error();
    if (opt_.store_session_in_database) return inner_->UpdateRows(table, where, set);
    return int64_t{*updated ? 1 : 0};
  }

  Status SetPassword(const PasswordChange& change) override {
    PasswordChange sql = change;
    if (change.consume_identifier && !opt_.verification_in_database) {
      auto consumed = ConsumeVerification(*change.consume_identifier);
      if (!consumed.ok()) return consumed.error();
      if (!*consumed || (*consumed)->expires_at_ms < change.now_ms) {
        return Error{Errc::kNotFound, "no live verification value"};
      }
      sql.consume_identifier.reset();
    }
    sql.revoke_sessions = change.revoke_sessions && opt_.store_session_in_database &&
                          !opt_.preserve_session_in_database;
    if (!opt_.store_session_in_database) sql.new_session.reset();
    if (Status st = inner_->SetPassword(sql); !st.ok()) return st;
    if (change.consume_identifier && opt_.verification_in_database) {
      auto done = pool_->Run(Command{"DEL", Key("verification:" + *change.consume_identifier)});
      if (!done.ok()) return done.error();
    }
    if (change.revoke_sessions) {
      if (opt_.store_session_in_database && opt_.preserve_session_in_database) {
        if (Status st = EndPreserved({{"userId", change.user_id}}); !st.ok()) return st;
      }
      if (Status st = RevokeCached(change.user_id); !st.ok()) return st;
    }
    if (change.new_session) {
      auto user = StoredUser(change.new_session->user_id);
      if (!user.ok()) return user.error();
      return Cache(*change.new_session, *user);
    }
    return Status::Ok();
  }

  // --- Verification values ---

  Status InsertVerification(const VerificationRow& row) override {
    if (opt_.verification_in_database) {
      if (Status st = inner_->InsertVerification(row); !st.ok()) return st;
    }
    const int64_t ttl = TtlSeconds(row.expires_at_ms, opt_.now_ms());
    if (ttl <= 0) return Status::Ok();
    auto set = pool_->Run(Command{"SET", Key("verification:" + row.identifier),
                                  redis::EncodeVerification(row, opt_.verification_in_database),
                                  "EX", std::to_string(ttl)});
    if (!set.ok()) return set.error();
    return set->kind == Reply::kError ? Status(Unexpected(*set)) : Status::Ok();
  }

  Status RehearseVerification(const VerificationRow& row) override {
    if (opt_.verification_in_database) return inner_->RehearseVerification(row);
    // The same round trip as InsertVerification's, writing nothing.
    auto got = pool_->Run(Command{"EXISTS", Key("verification:" + row.identifier)});
    return got.ok() ? Status::Ok() : Status(got.error());
  }

  Result<std::optional<VerificationRow>> FindVerification(std::string_view identifier) override {
    auto got = pool_->Run(Command{"GET", Key("verification:" + std::string(identifier))});
    if (!got.ok()) return got.error();
    if (got->kind == Reply::kString) {
      if (auto row = redis::DecodeVerification(got->str)) {
        return std::optional<VerificationRow>(std::move(*row));
      }
    }
    if (opt_.verification_in_database) return inner_->FindVerification(identifier);
    return std::optional<VerificationRow>();
  }

  // --- Rate limits ---

  Result<RateLimitStep> ConsumeRateLimit(const RateLimitRequest& request) override {
    if (!opt_.rate_limit) return inner_->ConsumeRateLimit(request);
    const int64_t window_s = std::max<int64_t>(request.window_ms / 1000, 1);
    auto n = Eval(redis::kIncrement, {Key(request.key)}, {std::to_string(window_s)},
                  /*idempotent=*/false);
    if (!n.ok()) return n.error();
    if (n->kind != Reply::kInteger) return Unexpected(*n);
    // Refused: Better Auth answers retryAfter = the whole window.
    return RateLimitStep{n->integer <= request.max, request.now_ms};
  }

  // --- Everything else is the SQL store's ---

  Result<std::optional<CredentialUser>> FindCredentialUser(std::string_view email) override {
    return inner_->FindCredentialUser(email);
  }
  Status CreateUser(const UserRow& user, const std::optional<AccountRow>& account) override {
    return inner_->CreateUser(user, account);
  }
  Status AddAccount(const AccountRow& account) override { return inner_->AddAccount(account); }
  Result<std::optional<UserRow>> FindUserById(std::string_view user_id) override {
    return inner_->FindUserById(user_id);
  }
  Result<std::vector<ListedAccount>> ListAccounts(std::string_view user_id) override {
    return inner_->ListAccounts(user_id);
  }
  Status DeclareTables(const std::vector<TableDecl>& tables) override {
    for (const TableDecl& t : tables) {
      FieldTypes* types = t.name == "session" ? &session_types_
                          : t.name == "user"  ? &user_types_
                                              : nullptr;
      if (types == nullptr) continue;
      for (const FieldDecl& f : t.fields) types->push_back({f.name, f.type});
    }
    return inner_->DeclareTables(tables);
  }
  Result<std::vector<std::string>> Columns(std::string_view table) override {
    return inner_->Columns(table);
  }
  Result<std::vector<Row>> FindRows(std::string_view table, const std::vector<Where>& where,
                                    const FindOptions& options) override {
    return inner_->FindRows(table, where, options);
  }
  Result<int64_t> CountRows(std::string_view table, const std::vector<Where>& where) override {
    return inner_->CountRows(table, where);
  }
  Status InsertRow(std::string_view table, const Row& row) override {
    return inner_->InsertRow(table, row);
  }
  Result<int64_t> DeleteRows(std::string_view table, const std::vector<Where>& where) override {
    if (opt_.rate_limit && table == "rateLimit") return int64_t{0};  // Redis expires them
    return inner_->DeleteRows(table, where);
  }
  Result<std::vector<JwkRow>> ListJwks() override { return inner_->ListJwks(); }
  Result<bool> InsertJwkUnlessLiveExists(const JwkRow& row, std::string_view alg,
                                         int64_t now_ms) override {
    return inner_->InsertJwkUnlessLiveExists(row, alg, now_ms);
  }
  Result<bool> ChangeJwks(const JwkPlanner& plan, int64_t now_ms) override {
    return inner_->ChangeJwks(plan, now_ms);
  }
  Result<std::vector<KeyRecord>> ListKeyRecords() override { return inner_->ListKeyRecords(); }
  Result<int64_t> DataVersion() override { return inner_->DataVersion(); }
  std::string Description() const override {
    const std::string inner = inner_->Description();
    return inner.empty() ? description_ : inner + "; " + description_;
  }

 private:
  std::string Key(std::string_view key) const { return opt_.key_prefix + std::string(key); }
  std::string Now() const { return std::to_string(opt_.now_ms()); }

  // findSession's database fallback: storeSessionInDatabase without preserveSessionInDatabase.
  bool DatabaseFallback() const {
    return opt_.store_session_in_database && !opt_.preserve_session_in_database;
  }

  static bool Revoked(const SessionRow& session, const Reply& revoked_before) {
    if (revoked_before.kind != Reply::kString) return false;
    return session.created_at_ms < std::atoll(revoked_before.str.c_str());
  }

  // EVALSHA, and EVAL once if the server does not know the script (it restarted).
  Result<Reply> Eval(const redis::Script& script, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args, bool idempotent = true) {
    Command c = {"EVALSHA", script.sha1, std::to_string(keys.size())};
    c.insert(c.end(), keys.begin(), keys.end());
    c.insert(c.end(), args.begin(), args.end());
    auto reply = pool_->Run(c, idempotent);
    if (!reply.ok() || reply->kind != Reply::kError || !reply->str.starts_with("NOSCRIPT")) {
      if (reply.ok() && reply->kind == Reply::kError) return Unexpected(*reply);
      return reply;
    }
    c[0] = "EVAL";
    c[1] = script.source;
    reply = pool_->Run(c, idempotent);
    if (reply.ok() && reply->kind == Reply::kError) return Unexpected(*reply);
    return reply;
  }

  Result<UserRow> StoredUser(const std::string& user_id) {
    auto user = inner_->FindUserById(user_id);
    if (!user.ok()) return user.error();
    if (!*user) return Error{Errc::kNotFound, "no such user"};
    return std::move(**user);
  }

  // createSession's mirror: the value under the token and the token in the user's list
  // (nothing for a session already expired).
  Status Cache(const SessionRow& session, const UserRow& user) {
    const int64_t now = opt_.now_ms();
    const int64_t ttl = TtlSeconds(session.expires_at_ms, now);
    if (ttl <= 0) return Status::Ok();
    return PutSession(session.user_id, session.token, session.expires_at_ms,
                      redis::EncodeSessionValue(session, user, layout_), ttl, now, false);
  }

  // The session goes to Redis first, then `write` puts the SQL rows; if those fail the cached
  // session is dropped again. So a failure of either store leaves no user without the session
  // its sign-up was answered with, and no SQL row behind a 503.
  template <typename Write>
  Status CacheThenWrite(const SessionRow& session, const UserRow& user, Write write) {
    if (Status put = Cache(session, user); !put.ok()) return put;
    Status written = write();
    if (!written.ok()) {
      (void)Eval(redis::kDropSession, {Key(session.token)}, {opt_.key_prefix, Now()});
    }
    return written;
  }

  Status PutSession(const std::string& user_id, const std::string& token, int64_t expires_ms,
                    const std::string& value, int64_t ttl, int64_t now, bool only_if_exists) {
    auto put = Eval(redis::kPutSession, {Key("active-sessions-" + user_id), Key(token)},
                    {std::to_string(now), token, std::to_string(expires_ms), value,
                     std::to_string(ttl), only_if_exists ? "1" : "0"});
    return put.ok() ? Status::Ok() : Status(put.error());
  }

  // updateSession: `set` merged into the cached session (a missing one stays missing).
  // Returns whether there was one.
  Result<bool> UpdateCachedSession(const std::string& token, const Row& set) {
    auto got = pool_->Run(Command{"GET", Key(token)});
    if (!got.ok()) return got.error();
    if (got->kind != Reply::kString) return false;
    auto found = redis::DecodeSessionValue(got->str, session_types_, user_types_);
    if (!found) return false;
    SessionRow& s = found->session;
    for (const ExtraColumn& c : set) Apply(c, &s);
    const int64_t now = opt_.now_ms();
    const int64_t ttl = TtlSeconds(s.expires_at_ms, now);
    if (ttl <= 0) return true;
    auto value = redis::ReplaceSession(got->str, redis::EncodeSession(s, layout_));
    if (!value) return false;
    if (Status st = PutSession(s.user_id, token, s.expires_at_ms, *value, ttl, now, true);
        !st.ok()) {
      return st.error();
    }
    return true;
  }

  void Apply(const ExtraColumn& c, SessionRow* s) const {
    const int64_t* i = std::get_if<int64_t>(&c.value);
    if (c.name == "expiresAt" && i) {
      s->expires_at_ms = *i;
    } else if (c.name == "updatedAt" && i) {
      s->updated_at_ms = *i;
    } else {
      for (ExtraColumn& e : s->extra) {
        if (e.name == c.name) {
          e.value = c.value;
          return;
        }
      }
      ExtraColumn added = c;
      if (added.type == FieldType::kAuto) added.type = TypeOf(session_types_, c.name);
      s->extra.push_back(std::move(added));
    }
  }

  Status RevokeCached(std::string_view user_id) {
    const int64_t ttl = std::max<int64_t>(opt_.session_expires_in_s, 86400);
    auto done = Eval(redis::kRevokeUser,
                     {Key("revoked-sessions-before-" + std::string(user_id)),
                      Key("active-sessions-" + std::string(user_id))},
                     {Now(), std::to_string(ttl), opt_.key_prefix});
    return done.ok() ? Status::Ok() : Status(done.error());
  }

  // preserveSessionInDatabase: the live rows stay, with expiresAt now.
  Status EndPreserved(std::vector<Where> where) {
    const int64_t now = opt_.now_ms();
    where.push_back({"expiresAt", now, WhereOp::kGt});
    auto n = inner_->UpdateRows("session", where, {{"expiresAt", now, FieldType::kDate}});
    return n.ok() ? Status::Ok() : Status(n.error());
  }

  // A write to user rows (a plugin's columns, a provider's profile): the row, then the copy in
  // each cached session of the user named by id, as refreshUserSessions does.
  Result<int64_t> UpdateUserRows(const std::vector<Where>& where, const Row& set) {
    auto changed = inner_->UpdateRows("user", where, set);
    if (!changed.ok() || *changed == 0) return changed;
    const bool by_id = where.size() == 1 && where[0].field == "id" && where[0].op == WhereOp::kEq &&
                       std::holds_alternative<std::string>(where[0].value);
    if (!by_id) return changed;
    auto fresh = inner_->FindUserById(std::get<std::string>(where[0].value));
    if (!fresh.ok()) return fresh.error();
    if (!*fresh) return changed;
    if (Status st = RefreshCachedUser(**fresh); !st.ok()) return st.error();
    return changed;
  }

  Status RefreshCachedUser(const UserRow& user) {
    const std::string user_json = redis::EncodeUser(user);
    auto list = pool_->Run(Command{"GET", Key("active-sessions-" + user.id)});
    if (!list.ok()) return list.error();
    if (list->kind != Reply::kString) return Status::Ok();
    const int64_t now = opt_.now_ms();
    std::vector<std::string> tokens = redis::LiveTokens(list->str, now);
    if (tokens.empty()) return Status::Ok();
    std::vector<Command> gets;
    for (const std::string& t : tokens) gets.push_back({"GET", Key(t)});
    auto values = pool_->Run(gets);
    if (!values.ok()) return values.error();
    std::vector<Command> sets;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const Reply& v = (*values)[i];
      if (v.kind != Reply::kString) continue;
      auto replaced = redis::ReplaceUser(v.str, user_json);
      auto expires = redis::SessionExpiry(v.str);
      if (!replaced || !expires || TtlSeconds(*expires, now) <= 0) continue;
      sets.push_back({"SET", Key(tokens[i]), *replaced, "EX",
                      std::to_string(TtlSeconds(*expires, now)), "XX"});
    }
    if (sets.empty()) return Status::Ok();
    auto done = pool_->Run(sets);
    return done.ok() ? Status::Ok() : Status(done.error());
  }

  Result<std::optional<VerificationRow>> ConsumeVerification(const std::string& identifier) {
    auto got = pool_->Run(Command{"GETDEL", Key("verification:" + identifier)},
                          /*idempotent=*/false);
    if (!got.ok()) return got.error();
    if (got->kind != Reply::kString) return std::optional<VerificationRow>();
    return redis::DecodeVerification(got->str);
  }

  Status DeleteEveryKey() {
    std::string cursor = "0";
    do {
      auto page = pool_->Run(Command{"SCAN", cursor, "MATCH", EscapedPrefix() + "*", "COUNT",
                                     "500"});
      if (!page.ok()) return page.error();
      if (page->kind != Reply::kArray || page->elements.size() != 2) return Unexpected(*page);
      cursor = page->elements[0].str;
      Command del = {"DEL"};
      for (const Reply& k : page->elements[1].elements) del.push_back(k.str);
      if (del.size() > 1) {
        auto done = pool_->Run(del);
        if (!done.ok()) return done.error();
      }
    } while (cursor != "0");
    return Status::Ok();
  }

  std::string EscapedPrefix() const {
    std::string out;
    for (char c : opt_.key_prefix) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  }

  std::unique_ptr<Repository> inner_;
  std::unique_ptr<redis::Pool> pool_;
  const SecondaryStorageOptions opt_;
  const redis::SessionLayout layout_;
  const std::string description_;
  // Declared before serving (DeclareTables at start); read-only after.
  FieldTypes session_types_;
  FieldTypes user_types_;
};

}  // namespace

Status CheckSecondaryStorageUrl(const std::string& url) {
  auto where = redis::ParseLocation(url);
  return where.ok() ? Status::Ok() : Status(where.error());
}

Result<std::unique_ptr<Repository>> WithSecondaryStorage(std::unique_ptr<Repository> inner,
                                                         SecondaryStorageOptions options) {
  auto where = redis::ParseLocation(options.url);
  if (!where.ok()) return where.error();
  auto pool = redis::Pool::Open(*where);
  if (!pool.ok()) {
    return Error{pool.error().code, "secondary storage " + redis::Redact(options.url) + ": " +
                                        pool.error().message};
  }
  std::string description = "secondary storage " + redis::Redact(options.url) + " (sessions" +
                            (options.store_session_in_database ? " also in the database" : "") +
                            (options.rate_limit ? ", rate limits" : "") +
                            (options.verification_in_database ? "" : ", verification values") +
                            ")";
  return std::unique_ptr<Repository>(new SecondaryRepository(
      std::move(inner), std::move(*pool), std::move(options), std::move(description)));
}

}  // namespace issuer::storage
