# The web UI (web/dist, made by `node web/build.mjs`) embedded in the
# daemon: tools/embed.c turns every file into a C array table that
# src/server/static.c serves, so no files are needed at run time.
set(TB_WEB_DIST ${CMAKE_SOURCE_DIR}/web/dist)
if(NOT EXISTS ${TB_WEB_DIST}/index.html)
  message(FATAL_ERROR
    "web/dist is missing: the web UI is built before CMake runs and "
    "embedded in the binary. Run `make build` (npm ci when needed, then "
    "the bundle), or by hand: cd web && npm ci && node build.mjs")
endif()
file(GLOB_RECURSE tb_web_files CONFIGURE_DEPENDS
     RELATIVE ${TB_WEB_DIST} ${TB_WEB_DIST}/*)
list(SORT tb_web_files)
list(TRANSFORM tb_web_files PREPEND ${TB_WEB_DIST}/
     OUTPUT_VARIABLE tb_web_deps)
add_executable(tb_embed tools/embed.c)
set(tb_web_c ${CMAKE_BINARY_DIR}/generated/web_assets.c)
add_custom_command(OUTPUT ${tb_web_c}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND tb_embed ${tb_web_c} ${TB_WEB_DIST} ${tb_web_files}
  DEPENDS tb_embed ${tb_web_deps}
  COMMENT "Embedding the web UI (web/dist)")
target_sources(tb_server PRIVATE ${tb_web_c})
