#include "storage/sqlite/wal_stamp.h"

#include <atomic>
#include <cstdint>
#include <cstring>

namespace issuer::storage {
namespace {

// The wal-index header is written twice, at offsets 0 and 48 (the second copy first); byte 12
// of each is isInit. SQLite maps the wal-index in regions of 32 KiB; the header is in the first.
constexpr size_t kHeaderBytes = 48;
constexpr size_t kIsInitOffset = 12;
constexpr int kRegionBytes = 32768;

// Copies kHeaderBytes from the shared memory, one 8-byte word at a time, each read once.
void CopyShared(const volatile void* from, unsigned char* to) {
  const volatile uint64_t* words = static_cast<const volatile uint64_t*>(from);
  for (size_t i = 0; i < kHeaderBytes / sizeof(uint64_t); ++i) {
    const uint64_t word = words[i];
    std::memcpy(to + i * sizeof word, &word, sizeof word);
  }
}

}  // namespace

std::unique_ptr<WalStamp> WalStamp::Open(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
      file == nullptr || file->pMethods == nullptr || file->pMethods->iVersion < 2 ||
      file->pMethods->xShmMap == nullptr) {
    return nullptr;
  }
  volatile void* region = nullptr;
  // bExtend = 0: the region SQLite already has (the connection has read in WAL mode), or none.
  if (file->pMethods->xShmMap(file, 0, kRegionBytes, 0, &region) != SQLITE_OK ||
      region == nullptr) {
    return nullptr;
  }
  return std::unique_ptr<WalStamp>(new WalStamp(region));
}

std::optional<WalStamp::Value> WalStamp::Read() const {
  // As SQLite reads it: the first copy, a barrier, the second; equal copies are a whole header.
  Value first;
  unsigned char second[kHeaderBytes];
  CopyShared(header_, first.data());
  std::atomic_thread_fence(std::memory_order_acquire);
  CopyShared(static_cast<const volatile unsigned char*>(header_) + kHeaderBytes, second);
  if (first[kIsInitOffset] != 1 || std::memcmp(first.data(), second, kHeaderBytes) != 0) {
    return std::nullopt;
  }
  return first;
}

}  // namespace issuer::storage
