# The web UI in headless chromium (tests/e2e_web.sh, tests/web/*.mjs).
add_test(NAME e2e_web COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_web.sh)
set_tests_properties(e2e_web PROPERTIES TIMEOUT 300 LABELS "e2e;web"
  SKIP_RETURN_CODE 77
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>;TRAILBRAKE_DATA=${TB_DATA_DIR};WEB_ARTIFACTS=${CMAKE_BINARY_DIR}/web-artifacts")
