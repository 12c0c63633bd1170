# Issue 23, item 1: the npm package, packed from this build's binary and installed into a fresh
# project (tests/dist/npm_package_test.sh: Vitest with jose and better-auth, node:test, npx).
add_test(NAME dist.npm COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/npm_package_test.sh)
set_tests_properties(dist.npm PROPERTIES LABELS dist TIMEOUT 600 ENVIRONMENT "${_dist_env}")
