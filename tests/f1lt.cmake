# F1 live-timing archives (src/formats/f1lt.c): the FastF1 test data,
# ".z" car data encoded in the test, corrupt and truncated streams.
tb_add_test(test_f1lt SOURCES tests/test_f1lt.c LIBS tb_formats)
# The JSON pull reader the ".z" path uses (src/formats/jscan.c).
tb_add_test(test_jscan SOURCES tests/test_jscan.c LIBS tb_formats)
# The live-timing line parser (src/formats/jbuild.c) against jansson.
tb_add_test(test_jbuild SOURCES tests/test_jbuild.c LIBS tb_formats)
