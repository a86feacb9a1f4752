# `parcae forecast`: a series file and the p3 trace, text and JSON output. The Nile values and
# their ETS(A,N,N) fit are those of tests/data/forecast (R: ets(Nile, "ANN"), loglik -726.39).
include(${CMAKE_CURRENT_LIST_DIR}/common/cli.cmake)
file(MAKE_DIRECTORY ${WORK_DIR})

function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected /${regex}/ in:\n${text}")
  endif()
endfunction()

# A CSV whose last column is the value, with a header line.
file(READ ${SOURCE_DIR}/tests/data/forecast/ets_series.csv table)
string(REGEX MATCHALL "Nile,[0-9]+,[0-9.]+" rows "${table}")
set(csv "year,index,flow\n")
foreach(row IN LISTS rows)
  string(APPEND csv "${row}\n")
endforeach()
file(WRITE ${WORK_DIR}/nile.csv "${csv}")

run_ok(out forecast --series ${WORK_DIR}/nile.csv --method ets:ANN --horizon 3)
expect_match("${out}" "model: ETS\\(A,N,N\\)" "ets text")
expect_match("${out}" "loglik: -726\\.39" "ets loglik")
expect_match("${out}" "lo80" "interval header")

run_ok(out forecast --series ${WORK_DIR}/nile.csv --method naive --horizon 2 --level 90 --json)
string(JSON name GET "${out}" model name)
string(JSON mean GET "${out}" forecast 0 mean)
string(JSON lower GET "${out}" forecast 1 lower 90)
expect_match("${name}" "^naive$" "naive name")
expect_match("${mean}" "^740(\\.0)?$" "naive mean = last value")
if(lower GREATER_EQUAL 740)
  message(FATAL_ERROR "naive lower bound ${lower} not below the mean")
endif()

# The p3 trace: ARIMA(1,1,0) with drift on the last hour; N clamped to the 32-node cluster.
run_ok(out forecast --trace ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv
       --method arima:1,1,0:drift --horizon 4 --window 60 --json --paths 50 --seed 3)
string(JSON model GET "${out}" model name)
string(JSON n GET "${out}" forecast 3 alive)
string(JSON steps LENGTH "${out}" forecast)
expect_match("${model}" "^ARIMA\\(1,1,0\\) with drift$" "arima name")
if(NOT steps EQUAL 4 OR n LESS 0 OR n GREATER 32)
  message(FATAL_ERROR "trace forecast: ${steps} steps, N = ${n}")
endif()
run_ok(out forecast --trace ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv --method ets
       --horizon 3 --artifact-rules --window 12)
expect_match("${out}" "N +in +out" "trace table header")
run_ok(out forecast --trace ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv --method auto_arima
       --horizon 3 --window 120)
expect_match("${out}" "model: ARIMA\\([0-5],[0-2],[0-5]\\)" "auto_arima model")
