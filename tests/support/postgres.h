#pragma once

#include <memory>
#include <string>

namespace issuer::test {

// The throwaway PostgreSQL cluster of this test run: the one CTest's pg_cluster fixture started
// (BA_TEST_PG_DIR, tests/support/pg_cluster.sh), else one started for this process and stopped
// at exit. A test that needs it fails (REQUIRE) if PostgreSQL cannot start: never a skip.
// A new, empty database in that cluster; returns its postgres:// URL.
std::string FreshPostgresDatabase();

// Runs `sql` (several statements allowed) on the database at `url`; REQUIREs success.
void PostgresExec(const std::string& url, const std::string& sql);
// Every row of `sql`, columns joined with '|', rows with '\n'; NULL shows as "NULL".
std::string PostgresQuery(const std::string& url, const std::string& sql);

// One connection kept open (to hold a lock or a transaction across calls).
class PostgresSession {
 public:
  explicit PostgresSession(const std::string& url);
  ~PostgresSession();
  void Exec(const std::string& sql);  // REQUIREs success

 private:
  struct Handle;
  std::unique_ptr<Handle> conn_;
};

}  // namespace issuer::test
