# Helpers shared by the CLI test scripts (included, not run as tests: only tools/tests/*.cmake are).

# run_ok(<out_var> <args...>): runs the tool, fails unless it exits 0, returns its stdout.
function(run_ok out_var)
  execute_process(COMMAND ${PARCAE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "parcae ${ARGN}: exit ${rc}\n${out}${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# expect_error(<text> <args...>): the tool must exit 2 with <text> (a substring) on stderr.
function(expect_error expected)
  execute_process(COMMAND ${PARCAE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "parcae ${ARGN}: exit ${rc}, expected 2\n${out}${err}")
  endif()
  string(FIND "${err}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "parcae ${ARGN}: expected '${expected}' in:\n${err}")
  endif()
endfunction()
