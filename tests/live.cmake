# Live telemetry over WebSocket: the codec (SHA-1, base64, frames).
tb_add_test(test_ws SOURCES tests/test_ws.c LIBS tb_server LABELS unit)
# End to end: `trailbrake serve`, a generated F1 stream, WebSocket viewers.
tb_add_test(test_live SOURCES tests/test_live.c LIBS tb_core
            TIMEOUT 120 LABELS integration)
add_dependencies(test_live trailbrake)
