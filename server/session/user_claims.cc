#include "server/session/user_claims.h"

#include <mutex>

namespace issuer::server {

void UserClaims::Set(const std::string& user_id, nlohmann::ordered_json claims) {
  std::unique_lock lock(mu_);
  if (claims.empty()) {
    by_user_.erase(user_id);
  } else {
    by_user_[user_id] = std::move(claims);
  }
}

nlohmann::ordered_json UserClaims::Get(const std::string& user_id) const {
  std::shared_lock lock(mu_);
  auto it = by_user_.find(user_id);
  return it == by_user_.end() ? nlohmann::ordered_json::object() : it->second;
}

void UserClaims::Clear() {
  std::unique_lock lock(mu_);
  by_user_.clear();
}

}  // namespace issuer::server
