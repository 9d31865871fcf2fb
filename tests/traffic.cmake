# Traffic laps (TB_LAP_TRAFFIC) from the F1 feed (src/ingest/f1_feed.c).
tb_add_test(test_traffic SOURCES tests/test_traffic.c LIBS tb_ingest)
add_test(NAME e2e_traffic COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_traffic.sh)
set_tests_properties(e2e_traffic PROPERTIES TIMEOUT 300 LABELS "coach;integration"
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>")
