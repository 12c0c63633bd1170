# Runs one libFuzzer target for SECONDS and writes OUT/summary/<TARGET>.txt:
#   <target> <executions> <seconds> <findings> [<artifact>...]
# Invoked by the fuzz.<target> CTest tests (see CMakeLists.txt); fails when the fuzzer found
# something or did not run.
#   cmake -DFUZZER=… -DTARGET=… -DSECONDS=… -DDICT=<file or ""> -DCORPUS=… -DOUT=… -P run_fuzzer.cmake
# Inputs up to 16 KiB; an input that runs 10 s is a finding (a hang).
set(args -max_len=16384 -timeout=10 -print_final_stats=1 -max_total_time=${SECONDS}
         -artifact_prefix=${OUT}/artifacts/${TARGET}-)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
set(work ${OUT}/work/${TARGET})
set(artifacts ${OUT}/artifacts)
file(MAKE_DIRECTORY ${work} ${artifacts} ${OUT}/summary)
file(GLOB old_findings ${artifacts}/${TARGET}-*)

# New inputs go to the first directory (build tree); the committed corpus is only read.
execute_process(
  COMMAND ${FUZZER} ${args} ${work} ${CORPUS}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE log
  ERROR_VARIABLE log)

set(executions 0)
if(log MATCHES "stat::number_of_executed_units: ([0-9]+)")
  set(executions ${CMAKE_MATCH_1})
endif()
# Findings of this run: new artifacts (crash, leak, timeout, oom, slow unit), or at least one
# when the fuzzer failed (a repeated crash overwrites its old artifact).
file(GLOB findings ${artifacts}/${TARGET}-*)
if(old_findings)
  list(REMOVE_ITEM findings ${old_findings})
endif()
list(LENGTH findings finding_count)
if(NOT rc EQUAL 0 AND finding_count EQUAL 0)
  set(finding_count 1)
endif()
file(WRITE ${OUT}/summary/${TARGET}.txt
     "${TARGET} ${executions} ${SECONDS} ${finding_count} ${findings}\n")
message("fuzz ${TARGET}: ${executions} executions in ${SECONDS} s, ${finding_count} findings")

if(finding_count GREATER 0 OR executions EQUAL 0)
  message("${log}")
  message(FATAL_ERROR "fuzz ${TARGET}: exit code ${rc}, findings: ${findings}")
endif()
