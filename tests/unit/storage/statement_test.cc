#include "storage/sqlite/statement.h"

#include <doctest/doctest.h>

#include "storage/sqlite/connection.h"

namespace issuer::storage {

TEST_SUITE("statement") {
  TEST_CASE("a failed bind is reported by Step, and Reset clears it") {
    auto conn = Connection::Open(":memory:", /*in_memory=*/true);
    REQUIRE(conn.ok());
    auto st = Statement::Prepare((*conn)->handle(), "SELECT ?1");
    REQUIRE(st.ok());
    st->BindText(2, "no such parameter");  // SQLITE_RANGE
    st->BindText(1, "kept");
    CHECK(st->Step() == Statement::kError);
    CHECK(st->last_rc() == SQLITE_RANGE);
    CHECK(SqliteError((*conn)->handle(), st->last_rc(), "select").code == Errc::kInternal);
    st->Reset();
    st->BindInt64(1, 7);
    REQUIRE(st->Step() == Statement::kRow);
    CHECK(st->ColumnInt64(0) == 7);
    st->Reset();
    st->BindNull(3);
    CHECK(st->Step() == Statement::kError);
    CHECK(st->last_rc() == SQLITE_RANGE);
  }
}

}  // namespace issuer::storage
