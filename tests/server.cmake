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
