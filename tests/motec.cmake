# MoTeC i2 .ld/.ldx (src/formats/motec_*.c, ldx.c): real .ldx files,
# hand-built logs, writer round trips and corrupt input.
tb_add_test(test_motec SOURCES tests/test_motec.c LIBS tb_formats)
