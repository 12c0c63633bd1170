# CPACK_PRE_BUILD_SCRIPTS step of the Debian package, in CPack's staging tree: removes the
# .comment and .note sections CPACK_STRIP_FILES leaves in the binary (as dh_strip does), and gzips
# the man page and the changelog (gzip -9n: no name or timestamp inside, as Debian policy asks).
# Fails when a file is missing, so a package never ships without it.
function(staged out relative)
  file(GLOB_RECURSE found "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/${relative}")
  if(NOT found)
    message(FATAL_ERROR "cpack_deb_stage: no ${relative} under ${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
  endif()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cpack_deb_stage: '${ARGN}' failed")
  endif()
endfunction()

staged(binary bin/ba-issuer)
run(${CPACK_ISSUER_STRIP} --remove-section=.comment --remove-section=.note ${binary})
foreach(relative share/man/man1/ba-issuer.1 share/doc/ba-issuer/changelog)
  staged(paths ${relative})
  run(gzip -9nf ${paths})
endforeach()
