#include "storage/sqlite/session_cache.h"

#include <utility>

namespace issuer::storage {

std::optional<SessionWithUser> SessionCache::Find(std::string_view token, const Stamp& stamp,
                                                  TimePoint now) {
  std::shared_ptr<const SessionWithUser> row;
  Map stale;  // freed after the lock is let go
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stamp != stamp_) {
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

void SessionCache::Put(const SessionWithUser& row, const Stamp& stamp, TimePoint now) {
  auto shared = std::make_shared<const SessionWithUser>(row);
  Map full;  // freed after the lock is let go
  std::lock_guard<std::mutex> lock(mu_);
  if (stamp != stamp_) return;
  if (map_.size() >= capacity_) full.swap(map_);
  map_.insert_or_assign(row.session.token, Entry{std::move(shared), now});
}

}  // namespace issuer::storage
