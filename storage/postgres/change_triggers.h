#pragma once

#include "common/result.h"
#include "storage/postgres/pq.h"

namespace issuer::storage::pg {

// The channel a change to the session or user table is announced on (payload: empty).
inline constexpr const char* kSessionsChannel = "ba_sessions";

// Statement-level triggers on "session" and "user" that pg_notify(kSessionsChannel) after every
// UPDATE, DELETE and TRUNCATE, whoever runs it: a Better Auth beside ba-issuer, which sends no
// NOTIFY of its own, is heard as well as every ba-issuer instance. An INSERT needs none (a cached
// session is one that was found). With them the session cache may keep rows between changes.
// Made once (an advisory lock serialises instances; existing triggers are left as they are).
// Returns false, changing nothing, if they cannot be made (no right to add triggers to tables
// this role does not own): the store then caches no sessions.
bool InstallChangeTriggers(Connection& conn);

// Whether both triggers exist (a read-only store looks but does not make them).
bool HasChangeTriggers(Connection& conn);

}  // namespace issuer::storage::pg
