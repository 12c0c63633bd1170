# dist.deb: the Debian package made by cpack from this build's binary, checked (fields, files,
# lintian), installed with dpkg -i, run as its unit would run it, and purged (issue 23 item 3).
add_test(NAME dist.deb COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/deb_package_test.sh ${CMAKE_BINARY_DIR})
# dpkg allows one run at a time on the machine.
set_tests_properties(dist.deb PROPERTIES LABELS dist TIMEOUT 600 ENVIRONMENT "${_dist_env}"
                     RESOURCE_LOCK dpkg)
