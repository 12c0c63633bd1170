#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "storage/rows.h"

namespace issuer::storage {

// Sessions found by token, served again only while the database is unchanged: each entry is
// kept under the stamp read before its row was, and a lookup under any other stamp empties the
// cache. So a hit returns exactly the row a query would read now, as far as the stamp sees
// changes: SQLite's WalStamp sees every commit of every process; PostgreSQL's sees its own
// writes at once and every other writer's through a trigger's NOTIFY (postgres/
// change_triggers.h). Entries older than `max_age` are not served either, a bound for what the
// stamp cannot see. Thread-safe; holds at most `capacity` entries (full: emptied).
// `Stamp` is a regular value type (==, copy).
template <typename Stamp>
class SessionCache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  SessionCache(size_t capacity, std::chrono::milliseconds max_age)
      : capacity_(capacity), max_age_(max_age) {}

  // The row stored for `token` under `stamp` (read just now) no longer ago than max_age.
  std::optional<SessionWithUser> Find(std::string_view token, const Stamp& stamp, TimePoint now) {
    std::shared_ptr<const SessionWithUser> row;
    Map stale;  // freed after the lock is let go
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!(stamp == stamp_)) {
        stamp_ = stamp;
        stale.swap(map_);
        return std::nullopt;
      }
      auto it = map_.find(std::string(token));
      if (it == map_.end() || now - it->second.stored > max_age_) return std::nullopt;
      row = it->second.row;
    }
    return *row;
  }

  // The row for `token`: the cached one, else what `query(token)` reads (a
  // Result<std::optional<SessionWithUser>>), stored when found. REQUIRES: `stamp` was read
  // just now, before the query runs, so the row it reads is at least that new.
  template <typename Query>
  auto FindOrQuery(std::string_view token, const Stamp& stamp, Query query) {
    const TimePoint now = std::chrono::steady_clock::now();
    decltype(query(token)) found = Find(token, stamp, now);
    if (found.ok() && found->has_value()) return found;
    found = query(token);
    if (found.ok() && found->has_value()) Put(**found, stamp, now);
    return found;
  }

  // Stores `row`, read from the database after `stamp` was read, unless the cache has since
  // moved to another stamp.
  void Put(const SessionWithUser& row, const Stamp& stamp, TimePoint now) {
    auto shared = std::make_shared<const SessionWithUser>(row);
    Map full;  // freed after the lock is let go
    std::lock_guard<std::mutex> lock(mu_);
    if (!(stamp == stamp_)) return;
    if (map_.size() >= capacity_) full.swap(map_);
    map_.insert_or_assign(row.session.token, Entry{std::move(shared), now});
  }

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
