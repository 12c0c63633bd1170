#pragma once

#include <map>
#include <shared_mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace issuer::server {

// Extra JWT claims per user (roles, org, ...), from --seed or the test API; merged into every
// token of that user. Thread-safe.
class UserClaims {
 public:
  // `claims` must be an object; an empty one removes the user's entry.
  void Set(const std::string& user_id, nlohmann::ordered_json claims);
  // The user's claims; an empty object when there are none.
  nlohmann::ordered_json Get(const std::string& user_id) const;
  void Clear();

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, nlohmann::ordered_json> by_user_;
};

}  // namespace issuer::server
