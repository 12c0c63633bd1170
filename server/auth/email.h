#pragma once

#include <string_view>

namespace issuer::server::auth {

// True iff `email` matches zod 4's email pattern (the one z.email() uses; compat §4.5):
//   ^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@
//    (?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$
// i.e. the local part is non-empty, made of A-Za-z0-9 _ ' + - and '.', does not start with '.',
// has no "..", and ends in A-Za-z0-9 _ + - (not '.' or '\''); the domain is two or more
// dot-separated labels, each starting with A-Za-z0-9 and continuing with A-Za-z0-9 or '-', the
// last being at least two ASCII letters. As with a JS regex without the m flag, '$' does not
// accept a trailing newline. Any non-ASCII byte fails. Runs in linear time, without recursion.
bool IsValidEmail(std::string_view email);

}  // namespace issuer::server::auth
