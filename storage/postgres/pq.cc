#include "storage/postgres/pq.h"

#include <poll.h>

#include <cstdlib>

namespace issuer::storage::pg {
namespace {

std::string FirstLine(const char* text) {
  std::string s = text ? text : "";
  const size_t end = s.find('\n');
  return end == std::string::npos ? s : s.substr(0, end);
}

bool TransientState(std::string_view state) {
  return state.starts_with("08") ||   // connection exception
         state.starts_with("53") ||   // insufficient resources (too many connections, ...)
         state.starts_with("57P") ||  // admin / crash shutdown, cannot connect now
         state == "40001" || state == "40P01" || state == "55P03";  // serialisation, deadlock, lock
}

}  // namespace

std::optional<std::string> Rows::OptionalText(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Text(row, col);
}

int64_t Rows::Int(int row, int col) const {
  return std::strtoll(Libpq::Get().PQgetvalue(result_.get(), row, col), nullptr, 10);
}

std::optional<int64_t> Rows::OptionalInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

int64_t Rows::changed() const {
  // PQcmdTuples: the count as text, "" for a statement that changes no rows by nature.
  return std::strtoll(Libpq::Get().PQcmdTuples(result_.get()), nullptr, 10);
}

Error ResultError(PGconn* conn, const PGresult* result, std::string_view context) {
  const Libpq& pq = Libpq::Get();
  const char* state = result ? pq.PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  const char* primary = result ? pq.PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = std::string(context) + ": " +
                        (primary ? std::string(primary) : FirstLine(pq.PQerrorMessage(conn)));
  if (sqlstate == "23505") return Error{Errc::kConflict, message};
  if (Libpq::Get().PQstatus(conn) != CONNECTION_OK || TransientState(sqlstate)) {
    return Error{Errc::kUnavailable, message};
  }
  return Error{Errc::kInternal, message};
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                     const std::vector<std::string>& setup) {
  if (const std::string& error = Libpq::Get().error; !error.empty()) {
    return Error{Errc::kUnavailable, error};
  }
  ConnPtr conn(Libpq::Get().PQconnectdb(conninfo.c_str()));
  if (!conn) return Error{Errc::kUnavailable, "out of memory for a PostgreSQL connection"};
  if (Libpq::Get().PQstatus(conn.get()) != CONNECTION_OK) {
    // libpq names host and port, never the password.
    return Error{Errc::kUnavailable, FirstLine(Libpq::Get().PQerrorMessage(conn.get()))};
  }
  std::unique_ptr<Connection> out(new Connection(std::move(conn)));
  for (const std::string& sql : setup) {
    if (Status st = out->Exec(sql); !st.ok()) return st.error();
  }
  return out;
}

Result<Rows> Connection::Query(const std::string& sql, const std::vector<Param>& params) {
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    const std::string name = "s" + std::to_string(prepared_.size() + 1);
    ResultPtr prep(Libpq::Get().PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
    if (Libpq::Get().PQresultStatus(prep.get()) != PGRES_COMMAND_OK) {
      return ResultError(conn_.get(), prep.get(), "prepare");
    }
    found = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  ResultPtr result(Libpq::Get().PQexecPrepared(conn_.get(), found->second.c_str(),
                                  static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                                  0));
  const ExecStatusType status = Libpq::Get().PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return ResultError(conn_.get(), result.get(), "query");
  }
  return Rows(std::move(result));
}

bool Connection::Stale() {
  if (broken()) return true;
  pollfd fd{Libpq::Get().PQsocket(conn_.get()), POLLIN, 0};
  if (::poll(&fd, 1, 0) > 0) (void)Libpq::Get().PQconsumeInput(conn_.get());
  return broken();
}

Status Connection::Exec(const std::string& sql) {
  ResultPtr result(Libpq::Get().PQexec(conn_.get(), sql.c_str()));
  const ExecStatusType status = Libpq::Get().PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return ResultError(conn_.get(), result.get(), "exec");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Transaction>> Transaction::Begin(Connection& conn) {
  if (Status st = conn.Exec("BEGIN"); !st.ok()) return st.error();
  return std::unique_ptr<Transaction>(new Transaction(conn));
}

Transaction::~Transaction() {
  if (!done_ && !conn_.broken()) (void)conn_.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  done_ = true;
  return conn_.Exec("COMMIT");
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace issuer::storage::pg
