# The web UI in headless chromium (tests/e2e_web.sh, tests/web/*.mjs).
add_test(NAME e2e_web COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_web.sh)
set_tests_properties(e2e_web PROPERTIES TIMEOUT 300 LABELS "e2e;web"
  SKIP_RETURN_CODE 77
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>;TRAILBRAKE_DATA=${TB_DATA_DIR};WEB_ARTIFACTS=${CMAKE_BINARY_DIR}/web-artifacts")
# The UI's pure code (resampling, binary channel form, theoretical best)
# under node's test runner.
find_program(TB_NODE node)
if(TB_NODE)
  add_test(NAME web_unit
           COMMAND ${TB_NODE} --test ${CMAKE_SOURCE_DIR}/tests/web/calc.test.mjs)
  set_tests_properties(web_unit PROPERTIES TIMEOUT 60 LABELS "unit;web")
endif()
