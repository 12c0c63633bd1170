#include "storage/postgres/location.h"
#include "storage/postgres/repository.h"
#include "storage/repository.h"
#include "storage/sqlite/repository.h"

namespace issuer::storage {

Result<std::unique_ptr<Repository>> OpenRepository(const std::string& location, OpenMode mode) {
  if (pg::IsPostgresUrl(location)) {
    auto postgres = PostgresRepository::Open(location, mode);
    if (!postgres.ok()) return postgres.error();
    return std::unique_ptr<Repository>(std::move(*postgres));
  }
  auto sqlite = SqliteRepository::Open(location, mode);
  if (!sqlite.ok()) return sqlite.error();
  return std::unique_ptr<Repository>(std::move(*sqlite));
}

std::vector<std::string> StoreFiles(const std::string& location) {
  if (pg::IsPostgresUrl(location) || location.empty() || location == ":memory:") return {};
  return {location, location + "-wal", location + "-shm"};
}

std::string RedactLocation(const std::string& location) { return pg::Redact(location); }

}  // namespace issuer::storage
