#include "storage/redis/connection.h"

#include <hiredis/hiredis.h>

#include "storage/redis/transport.h"

namespace issuer::storage::redis {
namespace {

Reply Convert(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.kind = r.type == REDIS_REPLY_STRING   ? Reply::kString
                 : r.type == REDIS_REPLY_STATUS ? Reply::kStatus
                                                : Reply::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = Reply::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = Reply::kArray;
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(Convert(*r.element[i]));
      break;
    default:
      out.kind = Reply::kNil;
  }
  return out;
}

// The RESP bytes of `command`, appended to `out`.
void Format(const Command& command, std::string* out) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& arg : command) {
    argv.push_back(arg.data());
    lens.push_back(arg.size());
  }
  char* bytes = nullptr;
  const int n = redisFormatCommandArgv(&bytes, static_cast<int>(argv.size()), argv.data(),
                                       lens.data());
  if (n > 0) out->append(bytes, static_cast<size_t>(n));
  redisFreeCommand(bytes);
}

Status Expect(const Result<std::vector<Reply>>& replies, const char* what) {
  if (!replies.ok()) return replies.error();
  for (const Reply& r : *replies) {
    if (r.kind == Reply::kError) {
      // The server's words (NOAUTH, WRONGPASS, ERR DB index out of range), never ours.
      return Error{Errc::kUnavailable, std::string("redis ") + what + ": " + r.str};
    }
  }
  return Status::Ok();
}

}  // namespace

Connection::Connection(std::unique_ptr<Transport> transport, std::chrono::milliseconds timeout)
    : transport_(std::move(transport)), timeout_(timeout), reader_(redisReaderCreate()) {}

Connection::~Connection() { redisReaderFree(reader_); }

Result<std::unique_ptr<Connection>> Connection::Open(const Location& where) {
  auto transport = Connect(where);
  if (!transport.ok()) return transport.error();
  std::unique_ptr<Connection> conn(new Connection(std::move(*transport), where.command_timeout));
  if (conn->reader_ == nullptr) return Error{Errc::kInternal, "redis: out of memory"};
  std::vector<Command> hello;
  if (!where.password.empty()) {
    hello.push_back(where.user.empty() ? Command{"AUTH", where.password}
                                       : Command{"AUTH", where.user, where.password});
  }
  if (where.db != 0) hello.push_back({"SELECT", std::to_string(where.db)});
  if (!hello.empty()) {
    if (Status st = Expect(conn->Pipeline(hello), "login"); !st.ok()) return st.error();
  }
  return conn;
}

Error Connection::Break(std::string why) {
  broken_ = true;
  return Error{Errc::kUnavailable, std::move(why)};
}

Status Connection::WriteAll(const std::string& bytes, Deadline deadline) {
  size_t done = 0;
  while (done < bytes.size()) {
    auto n = transport_->Write(bytes.data() + done, bytes.size() - done, deadline);
    if (!n.ok()) return Break(n.error().message);
    done += *n;
  }
  return Status::Ok();
}

Result<Reply> Connection::ReadReply(Deadline deadline) {
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
      return Break("redis: a reply that is not RESP");
    }
    if (raw != nullptr) {
      Reply reply = Convert(*static_cast<redisReply*>(raw));
      freeReplyObject(raw);
      return reply;
    }
    char buffer[16384];
    auto n = transport_->Read(buffer, sizeof(buffer), deadline);
    if (!n.ok()) return Break(n.error().message);
    if (redisReaderFeed(reader_, buffer, *n) != REDIS_OK) return Break("redis: out of memory");
  }
}

Result<std::vector<Reply>> Connection::Pipeline(const std::vector<Command>& commands) {
  if (broken_) return Error{Errc::kUnavailable, "redis: the connection is broken"};
  const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
  std::string bytes;
  for (const Command& c : commands) Format(c, &bytes);
  if (Status st = WriteAll(bytes, deadline); !st.ok()) return st.error();
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    auto reply = ReadReply(deadline);
    if (!reply.ok()) return reply.error();
    replies.push_back(std::move(*reply));
  }
  return replies;
}

}  // namespace issuer::storage::redis
