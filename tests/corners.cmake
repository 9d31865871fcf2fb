# One set of corner numbers across analyze, coach and the API.
add_test(NAME e2e_corners COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_corners.sh)
set_tests_properties(e2e_corners PROPERTIES TIMEOUT 300
  LABELS "integration;data"
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>;TRAILBRAKE_DATA=${TB_DATA_DIR}")
