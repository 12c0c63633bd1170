#include "storage/sqlite/wal_stamp.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>

namespace issuer::storage {
namespace {

// The wal-index header is written twice, at offsets 0 and 48 (the second copy first); byte 12
// of each is isInit.
constexpr size_t kHeaderBytes = 48;
constexpr size_t kIsInitOffset = 12;
constexpr size_t kMappedBytes = 4096;

// Copies kHeaderBytes from the shared page, one 8-byte word at a time, each read once.
void CopyShared(const void* from, unsigned char* to) {
  const volatile uint64_t* words = static_cast<const volatile uint64_t*>(from);
  for (size_t i = 0; i < kHeaderBytes / sizeof(uint64_t); ++i) {
    const uint64_t word = words[i];
    std::memcpy(to + i * sizeof word, &word, sizeof word);
  }
}

}  // namespace

std::unique_ptr<WalStamp> WalStamp::Open(const std::string& shm_path) {
  const int fd = ::open(shm_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  void* page = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(kMappedBytes)) {
    page = ::mmap(nullptr, kMappedBytes, PROT_READ, MAP_SHARED, fd, 0);
  }
  ::close(fd);  // the mapping keeps the file
  if (page == MAP_FAILED) return nullptr;
  return std::unique_ptr<WalStamp>(new WalStamp(page));
}

WalStamp::~WalStamp() { ::munmap(const_cast<void*>(page_), kMappedBytes); }

std::optional<WalStamp::Value> WalStamp::Read() const {
  // As SQLite reads it: the first copy, a barrier, the second; equal copies are a whole header.
  Value first;
  unsigned char second[kHeaderBytes];
  CopyShared(page_, first.data());
  std::atomic_thread_fence(std::memory_order_acquire);
  CopyShared(static_cast<const unsigned char*>(page_) + kHeaderBytes, second);
  if (first[kIsInitOffset] != 1 || std::memcmp(first.data(), second, kHeaderBytes) != 0) {
    return std::nullopt;
  }
  return first;
}

}  // namespace issuer::storage
