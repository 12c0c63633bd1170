#include "storage/repository.h"
#include "storage/sqlite/repository.h"

namespace issuer::storage {

Result<std::unique_ptr<Repository>> OpenRepository(const std::string& location, OpenMode mode) {
  auto sqlite = SqliteRepository::Open(location, mode);
  if (!sqlite.ok()) return sqlite.error();
  return std::unique_ptr<Repository>(std::move(*sqlite));
}

}  // namespace issuer::storage
