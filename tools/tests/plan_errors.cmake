# `parcae plan` rejects bad input with exit code 2 and a message naming the problem.
function(run_fail expected)
  execute_process(COMMAND ${PARCAE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "parcae ${ARGN}: exit ${rc}, expected 2\n${out}${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "${expected}")
    message(FATAL_ERROR "parcae ${ARGN}: missing '${expected}' in:\n${out}${err}")
  endif()
endfunction()

# Options CLI11 rejects while parsing exit with CLI11's own non-zero status.
function(run_parse_fail expected)
  execute_process(COMMAND ${PARCAE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT "${out}${err}" MATCHES "${expected}")
    message(FATAL_ERROR "parcae ${ARGN}: exit ${rc}, expected a failure naming '${expected}'")
  endif()
endfunction()

set(trace ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv)
run_fail("--at -1 must be in \\[0, " plan --profile gpt-1.5b --trace ${trace} --at -1)
run_fail("--at 100000 must be in \\[0, " plan --profile gpt-1.5b --trace ${trace} --at 100000)
run_parse_fail("--planner: greedy not in" plan --profile gpt-1.5b --trace ${trace} --at 3 --planner greedy)
run_parse_fail("--horizon" plan --profile gpt-1.5b --trace ${trace} --at 3 --horizon 0)
run_fail("no-such-profile" plan --profile no-such-profile --trace ${trace} --at 3)
run_fail("no-such-trace.csv" plan --profile gpt-1.5b --trace ${SOURCE_DIR}/no-such-trace.csv --at 3)
run_parse_fail("--trace" plan --profile gpt-1.5b --at 3)
