/* port.c - one telemetry stream: the protocol is fixed, or found by
 * sniffing; a stream that changes game (another protocol's datagrams
 * for SWITCH_AFTER datagrams in a row) switches protocol, closing the
 * old one's laps first. */
#include "proto.h"

#include <stdio.h>

#define SWITCH_AFTER 60 /* about a second of another game's packets */

struct ingest_port {
	const struct ingest_proto *proto;
	bool fixed;
	struct ingest_opts opts;
	ingest_lap_fn fn;
	void *ctx;
	void *inst;
	const struct ingest_proto *other;
	unsigned other_streak;
	struct ingest_stats before; /* undetected + earlier instances */
};

static void add_stats(struct ingest_stats *a, const struct ingest_stats *b)
{
	uint64_t *pa = (uint64_t *)a;
	const uint64_t *pb = (const uint64_t *)b;
	_Static_assert(sizeof(*a) % sizeof(uint64_t) == 0, "all counters");
	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		pa[i] += pb[i];
}

static enum tb_status start(struct ingest_port *p,
			    const struct ingest_proto *proto)
{
	enum tb_status st = proto->create(&p->opts, p->fn, p->ctx, &p->inst);
	if (st != TB_OK) {
		p->inst = NULL;
		return st;
	}
	p->proto = proto;
	return TB_OK;
}

static void stop(struct ingest_port *p)
{
	if (!p->inst)
		return;
	p->proto->flush(p->inst);
	struct ingest_stats s;
	p->proto->stats(p->inst, &s);
	memset(s.kinds, 0, sizeof(s.kinds)); /* kinds are per protocol */
	add_stats(&p->before, &s);
	p->proto->destroy(p->inst);
	p->inst = NULL;
	p->proto = NULL;
}

enum tb_status ingest_port_create(const struct ingest_proto *proto,
				  const struct ingest_opts *opts,
				  ingest_lap_fn fn, void *ctx,
				  struct ingest_port **out)
{
	*out = NULL;
	if (!fn)
		return TB_ERR_ARG;
	struct ingest_port *p = tb_calloc(1, sizeof(*p));
	if (!p)
		return TB_ERR_NOMEM;
	if (opts)
		p->opts = *opts;
	p->fn = fn;
	p->ctx = ctx;
	if (proto) {
		p->fixed = true;
		enum tb_status st = start(p, proto);
		if (st != TB_OK) {
			tb_free(p);
			return st;
		}
	}
	*out = p;
	return TB_OK;
}

void ingest_port_destroy(struct ingest_port *p)
{
	if (!p)
		return;
	if (p->inst)
		p->proto->destroy(p->inst);
	tb_free(p);
}

enum tb_status ingest_port_datagram(struct ingest_port *p,
				    const uint8_t *buf, size_t len,
				    int64_t now_us, struct tb_error *err)
{
	if (!p->inst) {
		const struct ingest_proto *found = ingest_detect(buf, len);
		if (!found) {
			p->before.datagrams++;
			p->before.bytes += len;
			p->before.rejected[INGEST_REJ_FORMAT]++;
			return tb_fail(err, TB_ERR_FORMAT,
				       "datagram of %zu bytes matches no "
				       "supported protocol",
				       len);
		}
		enum tb_status st = start(p, found);
		if (st != TB_OK)
			return tb_fail(err, st, "%s: %s", found->name,
				       tb_strerror(st));
	}
	enum tb_status st = p->proto->datagram(p->inst, buf, len, now_us, err);
	if (st == TB_OK || p->fixed) {
		p->other_streak = 0;
		return st;
	}
	const struct ingest_proto *o = ingest_detect(buf, len);
	if (!o || o == p->proto) {
		p->other_streak = 0;
		return st;
	}
	p->other_streak = (o == p->other) ? p->other_streak + 1 : 1;
	p->other = o;
	if (p->other_streak >= SWITCH_AFTER) {
		stop(p);
		p->other_streak = 0;
		if (start(p, o) != TB_OK)
			return st;
	}
	return st;
}

void ingest_port_tick(struct ingest_port *p, int64_t now_us,
		      const struct ingest_io *io)
{
	if (p->inst && p->proto->tick)
		p->proto->tick(p->inst, now_us, io);
}

void ingest_port_flush(struct ingest_port *p)
{
	if (p->inst)
		p->proto->flush(p->inst);
}

const struct ingest_proto *ingest_port_proto(const struct ingest_port *p)
{
	return p->inst ? p->proto : NULL;
}

void ingest_port_stats(const struct ingest_port *p, struct ingest_stats *out)
{
	*out = p->before;
	if (p->inst) {
		struct ingest_stats s;
		p->proto->stats(p->inst, &s);
		add_stats(out, &s);
	}
}
