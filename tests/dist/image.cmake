# dist.image: the container image (deploy/Containerfile, FROM scratch) built by scripts/image
# from this build's binary and run with podman: JWKS, sign-up, uid 10001, the database kept on
# the volume across a restart, postgres:// and redis:// by host name (tests/dist/image_test.sh).
add_test(NAME dist.image COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/image_test.sh)
set_tests_properties(dist.image PROPERTIES LABELS dist TIMEOUT 600 ENVIRONMENT "${_dist_env}")
