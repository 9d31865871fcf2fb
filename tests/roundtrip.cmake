# Export / import round trips of every lap kind: trailbrake CSV (bit for
# bit) and MoTeC .ld/.ldx (within each channel's precision).
tb_add_test(test_roundtrip SOURCES tests/test_roundtrip.c LIBS tb_server TIMEOUT 300)
