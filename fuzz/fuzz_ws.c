/* fuzz_ws.c - libFuzzer harness for the live endpoint's WebSocket frame
 * parser: any byte string, fed in chunks whose sizes the first byte
 * picks (as a socket would deliver it), must end in whole frames, a need
 * for more bytes or a failure with a close code; never a read out of
 * bounds, a message over the cap or a frame taken twice. */
#include <stdint.h>
#include <string.h>

#include "server/ws_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int code_ok(uint16_t c)
{
	return c == SRV_WS_CLOSE_PROTOCOL || c == SRV_WS_CLOSE_UNSUPPORTED ||
	       c == SRV_WS_CLOSE_BAD_DATA || c == SRV_WS_CLOSE_TOO_BIG;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct srv_ws_rx rx;
	static uint8_t in[SRV_WS_MSG_MAX + 2 * SRV_WS_HDR_MAX + 128];
	if (size == 0)
		return 0;
	size_t chunk = (size_t)data[0] % 64 + 1, pos = 1, len = 0;
	srv__ws_rx_init(&rx);
	while (pos < size || len) {
		size_t take = size - pos < chunk ? size - pos : chunk;
		if (take > sizeof(in) - len)
			take = sizeof(in) - len;
		memcpy(in + len, data + pos, take);
		len += take;
		pos += take;
		size_t off = 0;
		for (;;) {
			size_t used;
			struct srv_ws_out o;
			enum srv_ws_event e =
			    srv__ws_take(&rx, in + off, len - off, &used, &o);
			if (used > len - off)
				__builtin_trap();
			off += used;
			if (e == SRV_WS_MORE)
				break;
			if (e == SRV_WS_FAIL) {
				if (!code_ok(o.code))
					__builtin_trap();
				return 0;
			}
			if (used == 0)
				__builtin_trap(); /* no progress */
			if (e == SRV_WS_TEXT && o.len > SRV_WS_MSG_MAX)
				__builtin_trap();
			if ((e == SRV_WS_PING || e == SRV_WS_PONG) &&
			    o.len > 125)
				__builtin_trap();
		}
		memmove(in, in + off, len - off);
		len -= off;
		if (pos >= size || (take == 0 && off == 0))
			break;
	}
	return 0;
}
