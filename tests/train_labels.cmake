# `trailbrake train --labels FILE --db URL`: labelled corners of stored
# synthetic-driver laps (emitted as F1 packets, imported) join a small
# training run; the report counts them by split and mistake; bad label
# files stop with FILE:LINE before anything is written.
add_test(NAME e2e_train_labels
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_train_labels.sh)
set_tests_properties(e2e_train_labels PROPERTIES TIMEOUT 180
  LABELS "coach;integration"
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>")
