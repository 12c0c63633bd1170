#include "tests/support/postgres.h"

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>

namespace issuer::test {
namespace {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Res = std::unique_ptr<PGresult, ResultCloser>;

std::string ReadUrl(const std::string& dir) {
  std::ifstream in(dir + "/url");
  std::string url;
  std::getline(in, url);
  return url;
}

// A cluster of this process's own (when not run by CTest), stopped at exit.
std::string OwnCluster() {
  static std::string dir;
  dir = "/tmp/ba-issuer-pg-unit-" + std::to_string(getpid());
  const std::string script = std::string(ISSUER_SOURCE_DIR) + "/tests/support/pg_cluster.sh";
  const int rc = std::system((script + " start " + dir + " >/dev/null").c_str());
  INFO("PostgreSQL did not start (", script, ")");
  REQUIRE(rc == 0);
  std::atexit([] { (void)std::system((std::string(ISSUER_SOURCE_DIR) +
                                      "/tests/support/pg_cluster.sh stop " + dir).c_str()); });
  return ReadUrl(dir);
}

std::string ClusterUrl() {
  static std::mutex mu;
  static std::string url;
  std::lock_guard<std::mutex> lock(mu);
  if (url.empty()) {
    const char* dir = std::getenv("BA_TEST_PG_DIR");
    url = dir ? ReadUrl(dir) : OwnCluster();
    INFO("no PostgreSQL cluster URL in ", dir ? dir : "(own cluster)");
    REQUIRE_FALSE(url.empty());
  }
  return url;
}

Conn Connect(const std::string& url) {
  Conn conn(PQconnectdb(url.c_str()));
  INFO("connect ", url, ": ", std::string(PQerrorMessage(conn.get())));
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  return conn;
}

Res Run(PGconn* conn, const std::string& sql) {
  Res res(PQexec(conn, sql.c_str()));
  const ExecStatusType st = PQresultStatus(res.get());
  INFO(sql, " -> ", std::string(PQerrorMessage(conn)));
  REQUIRE((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK));
  return res;
}

}  // namespace

std::string FreshPostgresDatabase() {
  static std::atomic<int> counter{0};
  const std::string base = ClusterUrl();  // .../postgres
  const std::string name = "t_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  Conn conn = Connect(base);
  Run(conn.get(), "create database " + name);
  return base.substr(0, base.rfind('/') + 1) + name;
}

void PostgresExec(const std::string& url, const std::string& sql) {
  Conn conn = Connect(url);
  Run(conn.get(), sql);
}

std::string PostgresQuery(const std::string& url, const std::string& sql) {
  Conn conn = Connect(url);
  Res res = Run(conn.get(), sql);
  std::string out;
  for (int r = 0; r < PQntuples(res.get()); ++r) {
    if (r > 0) out += '\n';
    for (int c = 0; c < PQnfields(res.get()); ++c) {
      if (c > 0) out += '|';
      out += PQgetisnull(res.get(), r, c) ? "NULL" : PQgetvalue(res.get(), r, c);
    }
  }
  return out;
}

struct PostgresSession::Handle {
  Conn conn;
};

PostgresSession::PostgresSession(const std::string& url)
    : conn_(std::make_unique<Handle>(Handle{Connect(url)})) {}
PostgresSession::~PostgresSession() = default;
void PostgresSession::Exec(const std::string& sql) { Run(conn_->conn.get(), sql); }

}  // namespace issuer::test
