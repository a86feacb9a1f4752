# Bad input to `parcae model`: each case exits with status 2 and a message naming the problem
# (for JSON, the field path).
include(${CMAKE_CURRENT_LIST_DIR}/common/cli.cmake)
file(MAKE_DIRECTORY ${WORK_DIR})
file(READ ${SOURCE_DIR}/profiles/gpt-1.5b.json good)

function(write_variant file)  # write_variant(<file> <json path...> <value>)
  set(args ${ARGN})
  list(POP_BACK args value)
  string(JSON doc SET "${good}" ${args} "${value}")
  file(WRITE ${WORK_DIR}/${file} "${doc}")
endfunction()

file(WRITE ${WORK_DIR}/malformed.json "{\"name\": \"x\", \"model\": {")
expect_error("invalid JSON" model --profile ${WORK_DIR}/malformed.json --nodes 8)

write_variant(negative.json model layers 1 forward_ms -1)
expect_error("model.layers[1].forward_ms is -1, but must be > 0"
             model --profile ${WORK_DIR}/negative.json --nodes 8)

write_variant(zero_time.json model layers 0 backward_ms 0)
expect_error("model.layers[0].backward_ms is 0, but must be > 0"
             model --profile ${WORK_DIR}/zero_time.json --nodes 8)

write_variant(no_layers.json model layers "[]")
expect_error("model.layers is [] (0 layers), but must be a non-empty array"
             model --profile ${WORK_DIR}/no_layers.json --nodes 8)

write_variant(zero_count.json model layers 1 count 0)
expect_error("model.layers[1].count is 0, but must be >= 1"
             model --profile ${WORK_DIR}/zero_count.json --nodes 8)

write_variant(bad_type.json network p2p micros 2 "\"fast\"")
expect_error("network.p2p.micros[2] is \"fast\" (string), but must be a number"
             model --profile ${WORK_DIR}/bad_type.json --nodes 8)

# A model that fits in no configuration: 1 MB of GPU memory.
write_variant(tiny_gpu.json cluster gpu_memory_mb 1)
expect_error("fits in no configuration"
             model --profile ${WORK_DIR}/tiny_gpu.json --nodes 8)

# d*p larger than the GPUs alive.
expect_error("config.d * config.p is 64, but must be <= the GPUs alive (32)"
             model --profile gpt-1.5b --nodes 32 --config 8,8)
# --config takes DxP and D,P (one parser for every subcommand); anything else names the option.
run_ok(x model --profile gpt-1.5b --nodes 32 --config 4x8)
run_ok(comma model --profile gpt-1.5b --nodes 32 --config 4,8)
if(NOT x STREQUAL comma)
  message(FATAL_ERROR "--config 4x8 and 4,8 differ:\n${x}\n${comma}")
endif()
expect_error("--config is \"4-8\", but must be DxP or D,P" model --profile gpt-1.5b --nodes 32
             --config 4-8)

expect_error("profile is \"no-such-model\", but must be a JSON file or a name"
             model --profile no-such-model --nodes 8)
expect_error("but must be a readable profile file" model --profile ${WORK_DIR}/missing.json --nodes 8)

# --nodes must be >= 1 (CLI11 rejects it with its own exit code).
execute_process(COMMAND ${PARCAE} model --profile gpt-1.5b --nodes 0 RESULT_VARIABLE rc
                OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(FATAL_ERROR "--nodes 0 was accepted")
endif()
