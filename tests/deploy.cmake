# The deployment files (systemd unit, config, Dockerfile runtime stage,
# Compose and Azure ports), checked natively: no container engine here.
add_test(NAME e2e_deploy COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_deploy.sh)
set_tests_properties(e2e_deploy PROPERTIES TIMEOUT 120 LABELS integration
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>")
