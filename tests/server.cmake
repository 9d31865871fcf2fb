tb_add_test(test_serve SOURCES tests/test_serve.c LIBS tb_server
            TIMEOUT 300 LABELS integration)
add_dependencies(test_serve trailbrake)
add_test(NAME e2e_kill COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_kill.sh)
set_tests_properties(e2e_kill PROPERTIES TIMEOUT 300 LABELS integration
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>")
foreach(fmt 2022 2023 2024 2025)
  add_test(NAME e2e_replay_${fmt}
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_replay.sh ${fmt})
  set_tests_properties(e2e_replay_${fmt} PROPERTIES TIMEOUT 300
    LABELS integration ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>")
endforeach()
add_test(NAME e2e_record COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_record.sh)
set_tests_properties(e2e_record PROPERTIES TIMEOUT 300 LABELS integration
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>")
# One end-to-end run per protocol (and layout) that has an encoder.
set(tb_proto_runs "codemasters:codemasters:" "ea_wrc:ea-wrc:"
    "forza:forza:d" "forza:forza:h" "forza:forza:m" "ac:ac:"
    "gt7:gt7:A" "gt7:gt7:B" "gt7:gt7:~")
foreach(run ${tb_proto_runs})
  string(REPLACE ":" ";" parts "${run}")
  list(GET parts 0 file)
  list(GET parts 1 proto)
  list(LENGTH parts nparts)
  set(variant "")
  if(nparts GREATER 2)
    list(GET parts 2 variant)
  endif()
  if(EXISTS ${CMAKE_SOURCE_DIR}/src/ingest/${file}.c)
    set(tname "e2e_${file}")
    if(variant STREQUAL "~")
      set(tname "${tname}_tilde")
    elseif(variant)
      set(tname "${tname}_${variant}")
    endif()
    add_test(NAME ${tname} COMMAND bash
             ${CMAKE_SOURCE_DIR}/tests/e2e_protocols.sh ${proto} ${variant})
    set_tests_properties(${tname} PROPERTIES TIMEOUT 300
      LABELS integration ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>")
  endif()
endforeach()
add_test(NAME e2e_import_data COMMAND bash
         ${CMAKE_SOURCE_DIR}/tests/e2e_import_data.sh)
set_tests_properties(e2e_import_data PROPERTIES TIMEOUT 300 LABELS data
  SKIP_RETURN_CODE 77
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>;TRAILBRAKE_DATA=${TB_DATA_DIR}")
tb_add_test(test_detect SOURCES tests/test_detect.c LIBS tb_server)
add_test(NAME e2e_analyze COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_analyze.sh)
set_tests_properties(e2e_analyze PROPERTIES TIMEOUT 300 LABELS data
  SKIP_RETURN_CODE 77
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>;TRAILBRAKE_DATA=${TB_DATA_DIR}")
