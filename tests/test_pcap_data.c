/* test_pcap_data.c - the DiRT Rally 2.0 captures in the shared data
 * (dirt-rally-2-dr2_logger, the .derived.pcap files): datagram count,
 * endpoints, payloads against the matching packet dumps, timestamps against
 * each packet's own run time, and a write/re-read through our writer. */
#include "tb_test.h"

#include <math.h>

#include "formats/pcap.h"

#define DR2_PACKET 264u
/* 2020-05-04 19:08:46 UTC: the base the README says every timestamp
 * is offset from. */
#define DR2_BASE_US (1588619326LL * 1000000)
#define LOCALHOST   0x7f000001u

struct capture {
	const char *stem;
	size_t n; /* datagrams, per the README */
};

static const struct capture CAPTURES[] = {
    {"noorinbee_199.6s", 11973},
    {"noorinbee_202.2s", 12130},
    {"noorinbee_202.5s", 12151},
};

static char *tmp_dir;

static void data_path(char *out, size_t cap, const char *stem,
		      const char *suffix)
{
	const char *dir = tbt_data_or_skip("test_pcap_data");
	int n = snprintf(out, cap, "%s/dirt-rally-2-dr2_logger/%s%s", dir, stem,
			 suffix);
	assert_true(n > 0 && (size_t)n < cap);
}

/* The timestamps were derived as base + float 0 (run time, seconds),
 * rounded to the microsecond half-to-even: a float32 times 10^6 is
 * exact in a double, and rint() rounds half-to-even in the default
 * mode. Rounding half away from zero (llround) differs on 17 packets
 * of the three files, where the product ends in exactly .5. */
static int64_t expected_ts(const uint8_t *packet)
{
	float run_time = tb_ld_f32le(packet);
	return DR2_BASE_US + (int64_t)rint((double)run_time * 1e6);
}

/* Read every datagram of `path` and check it against `bin` (n packets
 * of 264 bytes); returns the timestamps through ts (n entries). */
static void check_capture(const char *path, const uint8_t *bin, size_t n,
			  int64_t *ts)
{
	struct fmt_pcap_reader *r;
	struct fmt_udp_datagram d;
	struct tb_error err;
	size_t i = 0;

	assert_int_equal(fmt_pcap_reader_open(path, &r, &err), TB_OK);
	for (;;) {
		enum tb_status st = fmt_pcap_next(r, &d, &err);
		if (st == TB_ERR_EMPTY)
			break;
		assert_int_equal(st, TB_OK);
		assert_true(i < n);
		assert_int_equal(d.len, DR2_PACKET);
		assert_int_equal(d.src_ip, LOCALHOST);
		assert_int_equal(d.dst_ip, LOCALHOST);
		assert_int_equal(d.src_port, 50000);
		assert_int_equal(d.dst_port, 20777);
		assert_memory_equal(d.payload, bin + i * DR2_PACKET,
				    DR2_PACKET);
		if (i > 0)
			assert_true(d.ts_us >= ts[i - 1]);
		if (d.ts_us != expected_ts(d.payload))
			fail_msg("%s packet %zu: ts %lld us, run time says "
				 "%lld",
				 path, i, (long long)d.ts_us,
				 (long long)expected_ts(d.payload));
		ts[i] = d.ts_us;
		i++;
	}
	assert_int_equal(i, n);
	const struct fmt_pcap_stats *s = fmt_pcap_reader_stats(r);
	assert_int_equal(s->frames, n);
	assert_int_equal(s->udp, n);
	assert_int_equal(
	    s->not_udp + s->fragments + s->truncated + s->bad_header, 0);
	fmt_pcap_reader_close(r);
}

static void rewrite(const char *in, const char *out)
{
	struct fmt_pcap_reader *r;
	struct fmt_pcap_writer *w;
	struct fmt_udp_datagram d;
	struct tb_error err;
	enum tb_status st;

	assert_int_equal(fmt_pcap_reader_open(in, &r, &err), TB_OK);
	assert_int_equal(fmt_pcap_writer_open(out, &w, &err), TB_OK);
	for (st = fmt_pcap_next(r, &d, &err); st == TB_OK;
	     st = fmt_pcap_next(r, &d, &err))
		assert_int_equal(fmt_pcap_write(w, &d, &err), TB_OK);
	assert_int_equal(st, TB_ERR_EMPTY);
	fmt_pcap_writer_close(w);
	fmt_pcap_reader_close(r);
}

static void test_dr2_captures(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(CAPTURES) / sizeof(CAPTURES[0]); c++) {
		const struct capture *cap = &CAPTURES[c];
		char pcap[1024], bin_path[1024], out[1024];
		size_t bin_len = 0;

		data_path(pcap, sizeof(pcap), cap->stem, ".derived.pcap");
		data_path(bin_path, sizeof(bin_path), cap->stem,
			  ".derived-264B-packets.bin");
		print_message("%s\n", pcap);
		uint8_t *bin = tbt_read_file(bin_path, &bin_len);
		assert_non_null(bin);
		assert_int_equal(bin_len, cap->n * DR2_PACKET);

		uint8_t head[24];
		FILE *f = fopen(pcap, "rb");
		assert_non_null(f);
		assert_int_equal(fread(head, 1, sizeof(head), f), 24);
		fclose(f);
		assert_true(fmt_pcap_sniff(head, sizeof(head)));

		int64_t *ts = malloc(cap->n * sizeof(*ts));
		int64_t *ts2 = malloc(cap->n * sizeof(*ts2));
		assert_non_null(ts);
		assert_non_null(ts2);
		check_capture(pcap, bin, cap->n, ts);

		/* Through our writer and back: the same datagrams. */
		int n = snprintf(out, sizeof(out), "%s/%s.pcap", tmp_dir,
				 cap->stem);
		assert_true(n > 0 && (size_t)n < sizeof(out));
		rewrite(pcap, out);
		check_capture(out, bin, cap->n, ts2);
		assert_memory_equal(ts, ts2, cap->n * sizeof(*ts));
		remove(out);

		free(ts2);
		free(ts);
		free(bin);
	}
}

static int setup(void **state)
{
	(void)state;
	tmp_dir = tbt_tmpdir();
	return tmp_dir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rmdir(tmp_dir);
	free(tmp_dir);
	return 0;
}

int main(void)
{
	tbt_data_or_skip("test_pcap_data");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dr2_captures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
