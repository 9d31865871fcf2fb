# Live telemetry over WebSocket: the codec (SHA-1, base64, frames).
tb_add_test(test_ws SOURCES tests/test_ws.c LIBS tb_server LABELS unit)
