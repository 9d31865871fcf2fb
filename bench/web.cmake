# Browser bench of the web UI: bench/run.sh runs every bench_* in the
# build dir, so a small wrapper there runs bench/web_overlay.sh.
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/bench_web_overlay
  CONTENT "#!/bin/sh\nexec bash ${CMAKE_SOURCE_DIR}/bench/web_overlay.sh $<TARGET_FILE:trailbrake>\n"
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                   GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
