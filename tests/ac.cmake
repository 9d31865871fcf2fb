# Assetto Corsa Remote Telemetry UDP (src/ingest/ac.c): codec, sniffing,
# generated stream, and a fake game on loopback for the handshake.
tb_add_test(test_ac SOURCES tests/test_ac.c LIBS tb_ingest)
