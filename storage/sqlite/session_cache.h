#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/rows.h"
#include "storage/sqlite/wal_stamp.h"

namespace issuer::storage {

// Sessions found by token, served again only while the database is unchanged: each entry is
// kept under the WalStamp read before its row was, and a lookup under any other stamp (any
// commit, by any process) empties the cache. So a hit returns exactly the row a query would
// read now. Entries older than `max_age` are not served either, a bound for what the stamp
// cannot see (a -shm file replaced behind SQLite's back). Thread-safe; holds at most
// `capacity` entries (full: emptied).
class SessionCache {
 public:
  using Stamp = WalStamp::Value;
  using TimePoint = std::chrono::steady_clock::time_point;

  SessionCache(size_t capacity, std::chrono::milliseconds max_age)
      : capacity_(capacity), max_age_(max_age) {}

  // The row stored for `token` under `stamp` (read just now) no longer ago than max_age.
  std::optional<SessionWithUser> Find(std::string_view token, const Stamp& stamp, TimePoint now);
  // Stores `row`, read from the database after `stamp` was read, unless the cache has since
  // moved to another stamp.
  void Put(const SessionWithUser& row, const Stamp& stamp, TimePoint now);

 private:
  struct Entry {
    std::shared_ptr<const SessionWithUser> row;
    TimePoint stored;
  };
  using Map = std::unordered_map<std::string, Entry>;

  const size_t capacity_;
  const std::chrono::milliseconds max_age_;
  std::mutex mu_;
  Stamp stamp_{};  // the stamp of every entry in map_
  Map map_;
};

}  // namespace issuer::storage
