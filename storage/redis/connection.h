#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/redis/location.h"
#include "storage/redis/reply.h"

struct redisReader;

namespace issuer::storage::redis {

class Transport;

// One connection to a Redis server, plain TCP or TLS (rediss://). Not thread-safe: the pool
// lends it to one thread at a time.
//
// Every call has a deadline (Location::command_timeout): a server that stops answering cannot
// hold the caller past it. A transport failure or a timeout breaks the connection for good
// (broken() is true; the pool drops it) and answers kUnavailable.
class Connection {
 public:
  // Connects within Location::connect_timeout, then AUTH and SELECT as the URL says.
  static Result<std::unique_ptr<Connection>> Open(const Location& where);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Writes every command at once and reads their replies, in order: one round trip.
  Result<std::vector<Reply>> Pipeline(const std::vector<Command>& commands);
  bool broken() const { return broken_; }

 private:
  Connection(std::unique_ptr<Transport> transport, std::chrono::milliseconds timeout);
  Status WriteAll(const std::string& bytes, std::chrono::steady_clock::time_point deadline);
  Result<Reply> ReadReply(std::chrono::steady_clock::time_point deadline);
  Error Break(std::string why);

  std::unique_ptr<Transport> transport_;
  std::chrono::milliseconds timeout_;
  redisReader* reader_;
  bool broken_ = false;
};

}  // namespace issuer::storage::redis
