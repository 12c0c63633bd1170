#pragma once

#include <libpq-fe.h>

#include <string>

namespace issuer::storage::pg {

// libpq, loaded with dlopen the first time a PostgreSQL store is opened, not linked: a server
// on the embedded SQLite default never maps libpq and the dozen libraries it pulls in
// (Kerberos, LDAP, GnuTLS, ...), which would otherwise cost memory and start-up time in every
// process. Calls go through the table: Libpq::Get().PQexec(conn, sql).
struct Libpq {
  // The table, loaded once (thread-safe). If libpq could not be loaded, `error` says why and
  // every function pointer is null: check it before the first call (Connection::Open does).
  static const Libpq& Get();

  std::string error;
  decltype(&::PQconnectdb) PQconnectdb = nullptr;
  decltype(&::PQfinish) PQfinish = nullptr;
  decltype(&::PQstatus) PQstatus = nullptr;
  decltype(&::PQerrorMessage) PQerrorMessage = nullptr;
  decltype(&::PQsocket) PQsocket = nullptr;
  decltype(&::PQconsumeInput) PQconsumeInput = nullptr;
  decltype(&::PQnotifies) PQnotifies = nullptr;
  decltype(&::PQfreemem) PQfreemem = nullptr;
  decltype(&::PQexec) PQexec = nullptr;
  decltype(&::PQprepare) PQprepare = nullptr;
  decltype(&::PQexecPrepared) PQexecPrepared = nullptr;
  decltype(&::PQresultStatus) PQresultStatus = nullptr;
  decltype(&::PQresultErrorField) PQresultErrorField = nullptr;
  decltype(&::PQclear) PQclear = nullptr;
  decltype(&::PQntuples) PQntuples = nullptr;
  decltype(&::PQnfields) PQnfields = nullptr;
  decltype(&::PQgetisnull) PQgetisnull = nullptr;
  decltype(&::PQgetvalue) PQgetvalue = nullptr;
  decltype(&::PQftype) PQftype = nullptr;
  decltype(&::PQcmdTuples) PQcmdTuples = nullptr;
};

}  // namespace issuer::storage::pg
