#include "storage/postgres/libpq.h"

#include <dlfcn.h>

namespace issuer::storage::pg {
namespace {

// Debian's libpq5 package: the runtime name, present without libpq-dev.
constexpr const char* kLibrary = "libpq.so.5";

template <typename Fn>
bool Bind(void* lib, const char* name, Fn* fn, std::string* error) {
  *fn = reinterpret_cast<Fn>(dlsym(lib, name));
  if (*fn == nullptr && error->empty()) error->assign(std::string(kLibrary) + " has no " + name);
  return *fn != nullptr;
}

Libpq Load() {
  Libpq pq;
  void* lib = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);  // kept for the process's life
  if (lib == nullptr) {
    const char* why = dlerror();
    pq.error = std::string("cannot load ") + kLibrary + " (PostgreSQL client library): " +
               (why != nullptr ? why : "unknown error");
    return pq;
  }
  bool ok = true;
  ok &= Bind(lib, "PQconnectdb", &pq.PQconnectdb, &pq.error);
  ok &= Bind(lib, "PQfinish", &pq.PQfinish, &pq.error);
  ok &= Bind(lib, "PQstatus", &pq.PQstatus, &pq.error);
  ok &= Bind(lib, "PQerrorMessage", &pq.PQerrorMessage, &pq.error);
  ok &= Bind(lib, "PQsocket", &pq.PQsocket, &pq.error);
  ok &= Bind(lib, "PQconsumeInput", &pq.PQconsumeInput, &pq.error);
  ok &= Bind(lib, "PQnotifies", &pq.PQnotifies, &pq.error);
  ok &= Bind(lib, "PQfreemem", &pq.PQfreemem, &pq.error);
  ok &= Bind(lib, "PQexec", &pq.PQexec, &pq.error);
  ok &= Bind(lib, "PQprepare", &pq.PQprepare, &pq.error);
  ok &= Bind(lib, "PQexecPrepared", &pq.PQexecPrepared, &pq.error);
  ok &= Bind(lib, "PQresultStatus", &pq.PQresultStatus, &pq.error);
  ok &= Bind(lib, "PQresultErrorField", &pq.PQresultErrorField, &pq.error);
  ok &= Bind(lib, "PQclear", &pq.PQclear, &pq.error);
  ok &= Bind(lib, "PQntuples", &pq.PQntuples, &pq.error);
  ok &= Bind(lib, "PQnfields", &pq.PQnfields, &pq.error);
  ok &= Bind(lib, "PQgetisnull", &pq.PQgetisnull, &pq.error);
  ok &= Bind(lib, "PQgetvalue", &pq.PQgetvalue, &pq.error);
  ok &= Bind(lib, "PQftype", &pq.PQftype, &pq.error);
  ok &= Bind(lib, "PQcmdTuples", &pq.PQcmdTuples, &pq.error);
  if (!ok) return Libpq{pq.error};  // all or nothing
  return pq;
}

}  // namespace

const Libpq& Libpq::Get() {
  static const Libpq table = Load();
  return table;
}

}  // namespace issuer::storage::pg
