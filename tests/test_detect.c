/* test_detect.c - auto-detection across every protocol: each protocol's
 * datagrams of every supported size (F1: every packet of every format;
 * the others: every layout their encoder writes) are claimed by exactly
 * that protocol; an ingest_port with no protocol picks it and names it;
 * random data of those sizes is claimed by no one. Also the daemon's
 * configuration: port specs and the config file, with errors naming the
 * file and line. */
#include "tb_test.h"

#include "ingest/proto.h"
#include "server/server.h"

static void expect_only(const uint8_t *buf, size_t len,
			const struct ingest_proto *want, const char *what)
{
	size_t n;
	const struct ingest_proto *const *all = ingest_protocols(&n);
	for (size_t i = 0; i < n; i++) {
		bool claims = all[i]->sniff(buf, len);
		if (claims != (all[i] == want))
			fail_msg("%s (%zu bytes): %s %s it", what, len,
				 all[i]->name, claims ? "claims" : "misses");
	}
	assert_ptr_equal(ingest_detect(buf, len), want);
}

static void test_f1_every_packet(void **state)
{
	(void)state;
	for (uint16_t fmt = 2022; fmt <= 2025; fmt++) {
		struct gen_config cfg;
		gen_config_default(&cfg);
		cfg.format = fmt;
		cfg.n_cars = 2;
		cfg.n_laps = 1;
		struct gen *g;
		assert_int_equal(gen_create(&cfg, &g, NULL), TB_OK);
		struct f1_packet p;
		uint8_t buf[TB_DATAGRAM_MAX];
		size_t len;
		double t;
		unsigned seen = 0;
		for (int k = 0; k < 400 && gen_next(g, &p, &t) == TB_OK; k++) {
			assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len),
					 TB_OK);
			expect_only(buf, len, &ingest_proto_f1, "F1 packet");
			seen |= 1u << p.h.packet_id;
		}
		gen_destroy(g);
		/* ids the generator does not send: a zero body of the size */
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++) {
			size_t sz = f1_packet_size(fmt, id);
			if (!sz || id == F1_EVENT)
				continue;
			memset(&p, 0, sizeof(p));
			p.h.format = fmt;
			p.h.packet_id = (uint8_t)id;
			assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len),
					 TB_OK);
			assert_int_equal(len, sz);
			expect_only(buf, len, &ingest_proto_f1, "F1 zero body");
		}
		assert_true(seen & (1u << F1_MOTION));
	}
}

struct variant {
	const struct ingest_proto *proto;
	char v;
};

static void count_lap(void *ctx, struct ingest_lap_job *job)
{
	unsigned *n = ctx;
	if (!(job->lap.flags & TB_LAP_INCOMPLETE))
		(*n)++;
}

static void test_single_car_protocols(void **state)
{
	(void)state;
	const struct variant vs[] = {
		{&ingest_proto_codemasters, 0}, {&ingest_proto_ea_wrc, 0},
		{&ingest_proto_forza, 's'},	{&ingest_proto_forza, 'd'},
		{&ingest_proto_forza, 'h'},	{&ingest_proto_forza, 'm'},
		{&ingest_proto_ac, 0},		{&ingest_proto_gt7, 'A'},
		{&ingest_proto_gt7, 'B'},	{&ingest_proto_gt7, '~'},
	};
	size_t sizes[16];
	size_t n_sizes = 0;
	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		const struct ingest_proto *pr = vs[i].proto;
		assert_non_null(pr->gen_encode);
		struct gen_config cfg;
		gen_config_default(&cfg);
		cfg.n_cars = 1;
		cfg.n_laps = 2;
		struct gen *g;
		assert_int_equal(gen_create(&cfg, &g, NULL), TB_OK);
		unsigned laps = 0;
		struct ingest_port *port;
		assert_int_equal(
			ingest_port_create(NULL, NULL, count_lap, &laps, &port),
			TB_OK);
		assert_null(ingest_port_proto(port));
		struct gen_frame f;
		uint8_t buf[TB_DATAGRAM_MAX];
		size_t len = 0;
		int64_t now = 1700000000000000;
		while (gen_next_frame(g, &f) == TB_OK) {
			assert_int_equal(pr->gen_encode(&f, 0, vs[i].v, buf,
							sizeof(buf), &len),
					 TB_OK);
			expect_only(buf, len, pr, pr->name);
			now += 16667;
			(void)ingest_port_datagram(port, buf, len, now, NULL);
		}
		ingest_port_flush(port);
		/* the port found the protocol by itself, and it works */
		assert_ptr_equal(ingest_port_proto(port), pr);
		if (!(pr == &ingest_proto_forza && vs[i].v == 's'))
			assert_true(laps >= 2);
		ingest_port_destroy(port);
		gen_destroy(g);
		if (n_sizes < 16)
			sizes[n_sizes++] = len;
	}
	/* Random bytes of every one of these sizes: claimed by no one. */
	uint64_t x = 0x243F6A8885A308D3ull;
	for (size_t k = 0; k < n_sizes; k++) {
		uint8_t buf[TB_DATAGRAM_MAX];
		for (int r = 0; r < 2000; r++) {
			for (size_t i = 0; i < sizes[k]; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				buf[i] = (uint8_t)x;
			}
			if (ingest_detect(buf, sizes[k]))
				fail_msg("random %zu bytes claimed by %s",
					 sizes[k],
					 ingest_detect(buf, sizes[k])->name);
		}
	}
}

static void test_port_counts_unknown(void **state)
{
	(void)state;
	unsigned laps = 0;
	struct ingest_port *port;
	assert_int_equal(ingest_port_create(NULL, NULL, count_lap, &laps, &port),
			 TB_OK);
	uint8_t junk[100] = {1, 2, 3};
	struct tb_error err;
	assert_int_equal(ingest_port_datagram(port, junk, sizeof(junk), 0, &err),
			 TB_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "100 bytes"));
	struct ingest_stats s;
	ingest_port_stats(port, &s);
	assert_int_equal(s.rejected[INGEST_REJ_FORMAT], 1);
	assert_int_equal(s.datagrams, 1);
	ingest_port_destroy(port);
	assert_int_equal(ingest_port_create(NULL, NULL, NULL, NULL, &port),
			 TB_ERR_ARG);
}

static void test_config(void **state)
{
	(void)state;
	struct srv_config cfg;
	struct tb_error err;
	srv_config_default(&cfg);
	assert_int_equal(srv_config_add_udp(&cfg, "20777", &err), TB_OK);
	assert_int_equal(srv_config_add_udp(&cfg, "5300/forza", &err), TB_OK);
	assert_ptr_equal(cfg.ports[1].proto, &ingest_proto_forza);
	assert_int_equal(srv_config_add_udp(&cfg, "5300/nope", &err),
			 TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown protocol 'nope'"));
	assert_non_null(strstr(err.msg, "gt7"));
	assert_int_equal(srv_config_add_udp(&cfg, "70000", &err), TB_ERR_ARG);
	assert_int_equal(srv_config_add_gt7(&cfg, "192.168.1.40/B", &err),
			 TB_OK);
	assert_int_equal(cfg.ports[2].port, 33740);
	assert_int_equal(cfg.ports[2].opts.variant, 'B');
	assert_int_equal(cfg.ports[2].opts.peer_ip, 0xC0A80128u);
	assert_int_equal(srv_config_add_gt7(&cfg, "10.0.0.1/Z", &err),
			 TB_ERR_ARG);
	assert_int_equal(srv_config_add_ac(&cfg, "localhost:9996", &err),
			 TB_OK);
	assert_int_equal(cfg.ports[3].opts.peer_ip, 0x7F000001u);
	assert_int_equal(cfg.ports[3].opts.peer_port, 9996);
	assert_int_equal(cfg.n_ports, 4);

	char *dir = tbt_tmpdir();
	char path[512];
	snprintf(path, sizeof(path), "%s/tb.conf", dir);
	FILE *f = fopen(path, "w");
	fputs("# trailbrake\n db = /tmp/x.db \nhttp = 9090\n"
	      "udp = 20777   # auto\nudp = 20778/codemasters\n"
	      "gt7 = 10.0.0.5\nverbose = yes\n",
	      f);
	fclose(f);
	srv_config_default(&cfg);
	assert_int_equal(srv_config_load(&cfg, path, &err), TB_OK);
	assert_string_equal(cfg.db_url, "/tmp/x.db");
	assert_int_equal(cfg.http_port, 9090);
	assert_int_equal(cfg.n_ports, 3);
	assert_ptr_equal(cfg.ports[1].proto, &ingest_proto_codemasters);
	assert_true(cfg.verbose);
	f = fopen(path, "w");
	fputs("http = 9090\nhttp = lots\n", f);
	fclose(f);
	assert_int_equal(srv_config_load(&cfg, path, &err), TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "tb.conf:2:"));
	f = fopen(path, "w");
	fputs("colour = red\n", f);
	fclose(f);
	assert_int_equal(srv_config_load(&cfg, path, &err), TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown setting 'colour'"));
	f = fopen(path, "w");
	fputs("just words\n", f);
	fclose(f);
	assert_int_equal(srv_config_load(&cfg, path, &err), TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "key = value"));
	assert_int_equal(srv_config_load(&cfg, "/nonexistent/tb.conf", &err),
			 TB_ERR_IO);
	remove(path);
	rmdir(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f1_every_packet),
		cmocka_unit_test(test_single_car_protocols),
		cmocka_unit_test(test_port_counts_unknown),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
