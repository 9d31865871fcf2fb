# libFuzzer harnesses: only with clang and -DTB_FUZZ=ON (best together
# with -DTB_SANITIZE=ON so the libraries carry ASan too). Include after
# the modules are defined. Run e.g.
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DTB_FUZZ=ON -DTB_SANITIZE=ON
#   fuzz_f1_decode -max_total_time=60 -max_len=2048 corpus/ \
#       $TRAILBRAKE_DATA/f1-udp-maciejpedzich $TRAILBRAKE_DATA/f1-udp-gamesdat/*
# The FIRST directory receives new inputs: never put the shared recordings
# first.
option(TB_FUZZ "Build libFuzzer harnesses (clang only)" OFF)
if(TB_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(WARNING "TB_FUZZ needs clang; fuzz targets not built")
  else()
    add_executable(fuzz_f1_decode fuzz/fuzz_f1_decode.c)
    target_compile_options(fuzz_f1_decode PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_f1_decode PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_f1_decode PRIVATE tb_ingest)
    # Coverage feedback from the code under test, not just the harness.
    target_compile_options(tb_ingest PRIVATE -fsanitize=fuzzer-no-link)
    target_compile_options(tb_core PRIVATE -fsanitize=fuzzer-no-link)
    # The capture reader: pcap.c is built into the target itself so
    # libFuzzer sees its coverage.
    add_executable(fuzz_pcap fuzz/fuzz_pcap.c
                   ${CMAKE_SOURCE_DIR}/src/formats/pcap.c)
    target_include_directories(fuzz_pcap PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(fuzz_pcap PRIVATE
                           -fsanitize=fuzzer,address,undefined -g)
    target_link_options(fuzz_pcap PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_pcap PRIVATE tb_core PkgConfig::PCAP)
    # Forza "Data Out": decode/encode and the protocol instance.
    add_executable(fuzz_forza fuzz/fuzz_forza.c)
    target_compile_options(fuzz_forza PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_forza PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_forza PRIVATE tb_ingest)
    # Assetto Corsa Remote Telemetry: codec and the protocol instance.
    add_executable(fuzz_ac fuzz/fuzz_ac.c)
    target_compile_options(fuzz_ac PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_ac PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_ac PRIVATE tb_ingest)
    # Codemasters extradata and EA SPORTS WRC: decoders, structure
    # reader and both protocol instances.
    add_executable(fuzz_codemasters fuzz/fuzz_codemasters.c)
    target_compile_options(fuzz_codemasters PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_codemasters PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_codemasters PRIVATE tb_ingest)
    # iRacing .ibt: parser, importer and session YAML; the sources are
    # built into the target so libFuzzer sees their coverage.
    add_executable(fuzz_ibt fuzz/fuzz_ibt.c
                   ${CMAKE_SOURCE_DIR}/src/formats/ibt.c
                   ${CMAKE_SOURCE_DIR}/src/formats/ibt_yaml.c)
    target_include_directories(fuzz_ibt PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(fuzz_ibt PRIVATE
                           -fsanitize=fuzzer,address,undefined -g)
    target_link_options(fuzz_ibt PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_ibt PRIVATE tb_core m)
    # F1 live-timing archives: the f1lt*.c files built into the target
    # so libFuzzer sees their coverage.
    add_executable(fuzz_f1lt fuzz/fuzz_f1lt.c
                   ${CMAKE_SOURCE_DIR}/src/formats/f1lt.c
                   ${CMAKE_SOURCE_DIR}/src/formats/f1lt_stream.c
                   ${CMAKE_SOURCE_DIR}/src/formats/f1lt_timing.c
                   ${CMAKE_SOURCE_DIR}/src/formats/f1lt_cardata.c
                   ${CMAKE_SOURCE_DIR}/src/formats/f1lt_files.c
                   ${CMAKE_SOURCE_DIR}/src/formats/jbuild.c
                   ${CMAKE_SOURCE_DIR}/src/formats/jscan.c)
    target_include_directories(fuzz_f1lt PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(fuzz_f1lt PRIVATE
                           -fsanitize=fuzzer,address,undefined -g)
    target_link_options(fuzz_f1lt PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_f1lt PRIVATE tb_core PkgConfig::JANSSON
                          PkgConfig::ZLIB)
    # jbuild (live-timing lines) against json_loadb: the same verdict and
    # equal trees for any input.
    add_executable(fuzz_f1lt_json fuzz/fuzz_f1lt_json.c
                   ${CMAKE_SOURCE_DIR}/src/formats/jbuild.c)
    target_include_directories(fuzz_f1lt_json PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(fuzz_f1lt_json PRIVATE
                           -fsanitize=fuzzer,address,undefined -g)
    target_link_options(fuzz_f1lt_json PRIVATE
                        -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_f1lt_json PRIVATE tb_core PkgConfig::JANSSON)
    # MoTeC i2 .ld/.ldx reader: its sources built into the target itself
    # so libFuzzer sees their coverage.
    add_executable(fuzz_motec fuzz/fuzz_motec.c
                   ${CMAKE_SOURCE_DIR}/src/formats/ldx.c
                   ${CMAKE_SOURCE_DIR}/src/formats/motec_common.c
                   ${CMAKE_SOURCE_DIR}/src/formats/motec_read.c)
    target_include_directories(fuzz_motec PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(fuzz_motec PRIVATE
                           -fsanitize=fuzzer,address,undefined -g)
    target_link_options(fuzz_motec PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_motec PRIVATE tb_core)
    # CSV import (csv_*.c built into the target so libFuzzer sees it).
    add_executable(fuzz_csv fuzz/fuzz_csv.c
                   ${CMAKE_SOURCE_DIR}/src/formats/csv_read.c
                   ${CMAKE_SOURCE_DIR}/src/formats/csv_names.c
                   ${CMAKE_SOURCE_DIR}/src/formats/csv_own.c
                   ${CMAKE_SOURCE_DIR}/src/formats/csv_generic.c
                   ${CMAKE_SOURCE_DIR}/src/formats/csv_write.c)
    target_include_directories(fuzz_csv PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(fuzz_csv PRIVATE
                           -fsanitize=fuzzer,address,undefined -g)
    target_link_options(fuzz_csv PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_csv PRIVATE tb_core m)
    # TracingInsights F1 JSON (f1ti.c built in, jansson linked).
    add_executable(fuzz_f1ti fuzz/fuzz_f1ti.c
                   ${CMAKE_SOURCE_DIR}/src/formats/f1ti.c)
    target_include_directories(fuzz_f1ti PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(fuzz_f1ti PRIVATE
                           -fsanitize=fuzzer,address,undefined -g)
    target_link_options(fuzz_f1ti PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_f1ti PRIVATE tb_core PkgConfig::JANSSON m)
    # GT7 / GT Sport Simulator Interface: Salsa20, codec and the protocol
    # instance (inputs also taken as plaintexts, encrypted in the harness).
    add_executable(fuzz_gt7 fuzz/fuzz_gt7.c)
    target_compile_options(fuzz_gt7 PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_gt7 PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_gt7 PRIVATE tb_ingest)
  endif()
endif()
include(fuzz/live.cmake OPTIONAL)
