# dist.pytest (issue 23, item 2): the pytest-ba-issuer wheel built from clients/python, installed
# into a fresh venv, and a FastAPI suite run against this build's binary through the plugin.
add_test(NAME dist.pytest COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/pytest_plugin_test.sh)
set_tests_properties(dist.pytest PROPERTIES LABELS dist TIMEOUT 600 ENVIRONMENT "${_dist_env}")
