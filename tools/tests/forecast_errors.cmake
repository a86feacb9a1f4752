# Bad input to `parcae forecast`: each case exits with status 2 and names the problem.
include(${CMAKE_CURRENT_LIST_DIR}/common/cli.cmake)
file(MAKE_DIRECTORY ${WORK_DIR})

file(WRITE ${WORK_DIR}/ok.txt "1\n3\n2\n5\n4\n6\n8\n7\n9\n10\n")
file(WRITE ${WORK_DIR}/empty.txt "")
file(WRITE ${WORK_DIR}/text.txt "1\n2\nabc\n4\n")
file(WRITE ${WORK_DIR}/short.txt "1\n2\n3\n")

expect_error("exactly one of --series" forecast --horizon 3)
expect_error("exactly one of --series" forecast --series ${WORK_DIR}/ok.txt --trace x --horizon 3)
expect_error("cannot open series file" forecast --series ${WORK_DIR}/missing.txt --horizon 3)
expect_error("holds no values" forecast --series ${WORK_DIR}/empty.txt --horizon 3)
expect_error("text.txt:3: 'abc' is not a number" forecast --series ${WORK_DIR}/text.txt --horizon 3)
expect_error("--horizon is \"0\", but must be a whole number in [1, 1000000]"
             forecast --series ${WORK_DIR}/ok.txt --horizon 0)
expect_error("levels[0] is 120, but must be in (0, 100)"
             forecast --series ${WORK_DIR}/ok.txt --horizon 2 --level 120)
expect_error("--method: 'foo'" forecast --series ${WORK_DIR}/ok.txt --horizon 2 --method foo)
expect_error("arima:P,D,Q" forecast --series ${WORK_DIR}/ok.txt --horizon 2 --method arima:1,1)
expect_error("--estimation" forecast --series ${WORK_DIR}/ok.txt --horizon 2 --method arima:1,0,0
             --estimation fast)
expect_error("model is \"XYZ\"" forecast --series ${WORK_DIR}/ok.txt --horizon 2 --method ets:XYZ)
expect_error("y has 3 elements" forecast --series ${WORK_DIR}/short.txt --horizon 2 --method ets:ANN)
expect_error("capacity is -1" forecast --trace ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv
             --horizon 2 --capacity -1)
