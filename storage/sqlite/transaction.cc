#include "storage/sqlite/transaction.h"

namespace issuer::storage {

Result<std::unique_ptr<Transaction>> Transaction::Begin(Connection& conn) {
  Status st = conn.Exec("BEGIN IMMEDIATE");
  if (!st.ok()) return st.error();
  return std::unique_ptr<Transaction>(new Transaction(conn));
}

Transaction::~Transaction() {
  if (!done_) (void)conn_.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  Status st = conn_.Exec("COMMIT");
  if (st.ok()) done_ = true;
  return st;
}

}  // namespace issuer::storage
