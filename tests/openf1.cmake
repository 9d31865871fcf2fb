# OpenF1 HTTP client (src/formats/openf1.c) against a local HTTP server
# run by the test itself: laps, 429 retry, cache, rate limit, errors.
tb_add_test(test_openf1 SOURCES tests/test_openf1.c LIBS tb_formats)
