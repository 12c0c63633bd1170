#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "storage/postgres/libpq.h"

namespace issuer::storage::pg {

struct ConnDeleter {
  void operator()(PGconn* conn) const { Libpq::Get().PQfinish(conn); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { Libpq::Get().PQclear(result); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// A parameter in text form (the server types it from its column); nullopt is NULL.
using Param = std::optional<std::string>;

// The rows a statement returned, read as text.
class Rows {
 public:
  explicit Rows(ResultPtr result) : result_(std::move(result)) {}
  int size() const { return Libpq::Get().PQntuples(result_.get()); }
  int columns() const { return Libpq::Get().PQnfields(result_.get()); }
  bool IsNull(int row, int col) const {
    return Libpq::Get().PQgetisnull(result_.get(), row, col) != 0;
  }
  std::string Text(int row, int col) const {
    return Libpq::Get().PQgetvalue(result_.get(), row, col);
  }
  std::optional<std::string> OptionalText(int row, int col) const;
  int64_t Int(int row, int col) const;
  std::optional<int64_t> OptionalInt(int row, int col) const;
  Oid Type(int col) const { return Libpq::Get().PQftype(result_.get(), col); }
  // The number of rows an INSERT, UPDATE or DELETE changed (0 for other statements).
  int64_t changed() const;

 private:
  ResultPtr result_;
};

// One libpq connection and the statements prepared on it (once each, named by first use).
// Not thread-safe: one thread at a time (the pool hands it out).
class Connection {
 public:
  // `setup` runs once after connecting (e.g. SET search_path). kUnavailable if the server
  // cannot be reached; the message never carries the connection string.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                  const std::vector<std::string>& setup);

  // Runs `sql` with `params` as a prepared statement (prepared on this connection at first use).
  Result<Rows> Query(const std::string& sql, const std::vector<Param>& params = {});
  // Runs `sql` (no parameters, possibly several statements) as a simple query.
  Status Exec(const std::string& sql);

  // Whether the connection to the server was lost (it must then be replaced).
  bool broken() const { return Libpq::Get().PQstatus(conn_.get()) != CONNECTION_OK; }
  // Like broken(), but first reads what the server sent while the connection was idle (a
  // server shutting down says so and closes it): true for a connection cut since its last use.
  bool Stale();
  PGconn* handle() const { return conn_.get(); }

 private:
  explicit Connection(ConnPtr conn) : conn_(std::move(conn)) {}

  ConnPtr conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

// The error of a failed statement: kConflict for a unique violation, kUnavailable for a lost
// connection, a server shutting down or out of resources, a deadlock or serialisation failure,
// kInternal otherwise. The message is `context` and the server's primary message (no row data).
Error ResultError(PGconn* conn, const PGresult* result, std::string_view context);

// A transaction on one connection: BEGIN now, ROLLBACK on destruction unless committed.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Connection& conn);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Commit();

 private:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  Connection& conn_;
  bool done_ = false;
};

// "name" with embedded quotes doubled.
std::string QuoteIdent(std::string_view name);

}  // namespace issuer::storage::pg
