/* bench_f1_decode.c - F1 UDP decode throughput on a realistic stream:
 * per 60 Hz frame Motion, LapData, CarTelemetry and CarStatus for 22
 * cars, Session at 2 Hz and a few events (BUTN, SPTP, OVTK), built with
 * f1_encode. Decodes the stream repeatedly for at least one second per
 * format and prints packets/s and MB/s against the 2,000,000 packets/s
 * target (PASS/FAIL judged on the 2025 stream). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/f1.h"

#include "bench_util.h"

#define TARGET_PPS  2000000.0
#define FRAMES	    600 /* 10 s of game time */
#define MAX_PACKETS (FRAMES * 6)

struct stream {
	uint8_t *data;
	size_t off[MAX_PACKETS + 1];
	size_t n;
};

static int add(struct stream *s, const struct f1_packet *p)
{
	size_t len = 0;
	uint8_t *dst = s->data + s->off[s->n];
	if (f1_encode(p, dst, TB_DATAGRAM_MAX, &len) != TB_OK)
		return -1;
	s->off[s->n + 1] = s->off[s->n] + len;
	s->n++;
	return 0;
}

static void header(struct f1_packet *p, uint16_t format, unsigned id,
		   uint32_t frame)
{
	memset(&p->h, 0, sizeof(p->h));
	p->h.format = format;
	p->h.game_year = format == 2022 ? 0 : (uint8_t)(format - 2000);
	p->h.game_major = 1;
	p->h.packet_version = 1;
	p->h.packet_id = (uint8_t)id;
	p->h.session_uid = 0x1234567890abcdefull;
	p->h.session_time = (float)frame / 60.0f;
	p->h.frame_id = frame;
	p->h.overall_frame_id = frame;
	p->h.player_car = 0;
	p->h.player2_car = 255;
}

static int build(struct stream *s, uint16_t format)
{
	static struct f1_packet p;
	s->n = 0;
	s->off[0] = 0;
	for (uint32_t f = 0; f < FRAMES; f++) {
		float t = (float)f / 60.0f;
		memset(&p, 0, sizeof(p));
		header(&p, format, F1_MOTION, f);
		for (size_t c = 0; c < F1_CARS; c++) {
			p.u.motion[c].pos[0] = 100.0f * t + (float)c;
			p.u.motion[c].vel[2] = 80.0f - (float)c;
			p.u.motion[c].yaw = 0.01f * (float)f;
			p.u.motion[c].g_lat = 1.5f;
		}
		if (add(s, &p))
			return -1;
		memset(&p, 0, sizeof(p));
		header(&p, format, F1_LAP_DATA, f);
		for (size_t c = 0; c < F1_CARS; c++) {
			p.u.lap.cars[c].current_lap_ms = f * 16u;
			p.u.lap.cars[c].lap_distance = 80.0f * t;
			p.u.lap.cars[c].position = (uint8_t)(c + 1);
			p.u.lap.cars[c].lap_num = 1;
		}
		if (add(s, &p))
			return -1;
		memset(&p, 0, sizeof(p));
		header(&p, format, F1_CAR_TELEMETRY, f);
		for (size_t c = 0; c < F1_CARS; c++) {
			p.u.telemetry[c].speed_kmh = (uint16_t)(200 + c);
			p.u.telemetry[c].throttle = 0.8f;
			p.u.telemetry[c].gear = 6;
			p.u.telemetry[c].rpm = 11000;
			p.u.telemetry[c].tyre_press[0] = 23.0f;
		}
		if (add(s, &p))
			return -1;
		memset(&p, 0, sizeof(p));
		header(&p, format, F1_CAR_STATUS, f);
		for (size_t c = 0; c < F1_CARS; c++) {
			p.u.status[c].fuel_in_tank = 100.0f - t;
			p.u.status[c].ers_store = 4e6f;
		}
		if (add(s, &p))
			return -1;
		if (f % 30 == 0) {
			memset(&p, 0, sizeof(p));
			header(&p, format, F1_SESSION, f);
			p.u.session.track_id = 7;
			p.u.session.track_length = 5891;
			if (add(s, &p))
				return -1;
		}
		if (f % 20 == 0) {
			static const char *const codes[] = {"BUTN", "SPTP",
							    "OVTK"};
			memset(&p, 0, sizeof(p));
			header(&p, format, F1_EVENT, f);
			memcpy(p.u.event.code, codes[(f / 20) % 3], 5);
			p.u.event.button_status = f;
			if (add(s, &p))
				return -1;
		}
	}
	return 0;
}

/* Decode the whole stream once. */
static int decode_pass(const void *ctx, uint64_t *acc)
{
	static struct f1_packet out;
	const struct stream *s = ctx;
	for (size_t i = 0; i < s->n; i++) {
		size_t len = s->off[i + 1] - s->off[i];
		if (f1_decode(s->data + s->off[i], len, &out, NULL) != TB_OK)
			return -1;
		*acc += out.h.frame_id + out.u.motion[3].fwd[0];
	}
	return 0;
}

/* Decode the whole stream until at least min_ns elapsed. */
static double run(const struct stream *s, uint64_t min_ns, double *mbps,
		  uint64_t *sink)
{
	return bench_time(decode_pass, s, min_ns, s->n, s->off[s->n], mbps,
			  sink);
}

int main(void)
{
	static struct stream s;
	static const uint16_t formats[] = {2022, 2023, 2024, 2025};
	uint64_t sink = 0;
	double pps_2025 = 0;
	s.data = malloc((size_t)MAX_PACKETS * TB_DATAGRAM_MAX);
	if (!s.data)
		return 1;
	printf("bench_f1_decode: per frame Motion+LapData+CarTelemetry+"
	       "CarStatus (22 cars), Session 2 Hz, events 3 Hz\n");
	for (size_t i = 0; i < 4; i++) {
		double mbps = 0;
		if (build(&s, formats[i]) != 0) {
			fprintf(stderr, "encode failed\n");
			return 1;
		}
		run(&s, 100000000ull, &mbps, &sink); /* warm up */
		double pps = run(&s, 1000000000ull, &mbps, &sink);
		if (pps < 0) {
			fprintf(stderr, "decode failed\n");
			return 1;
		}
		printf("  format %u: %zu packets, %.0f packets/s, %.0f MB/s\n",
		       formats[i], s.n, pps, mbps);
		if (formats[i] == 2025)
			pps_2025 = pps;
	}
	printf("target: >= %.0f packets/s (format 2025 mix): %s "
	       "(%.2fx)  [sink %llu]\n",
	       TARGET_PPS, pps_2025 >= TARGET_PPS ? "PASS" : "FAIL",
	       pps_2025 / TARGET_PPS, (unsigned long long)(sink & 0xff));
	free(s.data);
	return pps_2025 >= TARGET_PPS ? 0 : 1;
}
