/* sink.c - lap jobs to the store, and the synchronous capture import
 * built on it (pcap -> F1 feed -> sink). */
#include "server.h"

#include "../formats/csv.h"
#include "../formats/f1ti.h"
#include "../formats/formats.h"
#include "../formats/openf1.h"
#include "../formats/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#define SINK_SESSIONS 16

struct sess_id {
	bool used;
	uint64_t uid;
	enum tb_game game;
	int64_t id;
	struct tb_session_info written; /* what the row holds */
	uint64_t car_written;		/* bit per car index: row written */
	struct tb_car_info cars[TB_MAX_CARS];
};

struct srv_sink {
	struct store *st;
	unsigned next; /* round-robin eviction */
	struct sess_id ids[SINK_SESSIONS];
};

enum tb_status srv_sink_create(struct store *st, struct srv_sink **out)
{
	*out = NULL;
	struct srv_sink *s = tb_calloc(1, sizeof(*s));
	if (!s)
		return TB_ERR_NOMEM;
	s->st = st;
	*out = s;
	return TB_OK;
}

void srv_sink_destroy(struct srv_sink *s)
{
	tb_free(s);
}

static struct sess_id *session_row(struct srv_sink *s,
				   const struct tb_session_info *in,
				   struct tb_error *err)
{
	struct sess_id *e = NULL;
	for (int i = 0; i < SINK_SESSIONS; i++) {
		if (s->ids[i].used && s->ids[i].uid == in->source_uid &&
		    s->ids[i].game == in->game) {
			e = &s->ids[i];
			break;
		}
	}
	bool changed = !e || memcmp(&e->written, in, sizeof(*in)) != 0;
	if (!changed)
		return e;
	/* start_unix_ms differs per feed restart; the store keeps the
	 * first one, so compare the rest only through the store call. */
	int64_t id;
	if (store_session_put(s->st, in, &id, err) != TB_OK)
		return NULL;
	if (!e) {
		e = &s->ids[s->next];
		s->next = (s->next + 1) % SINK_SESSIONS;
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->uid = in->source_uid;
		e->game = in->game;
	}
	e->id = id;
	e->written = *in;
	return e;
}

enum tb_status srv_sink_put(struct srv_sink *s,
			    const struct tb_session_info *session,
			    const struct tb_car_info *car,
			    const struct tb_lap *lap, int64_t *lap_id,
			    struct tb_error *err)
{
	enum tb_status st;
	struct sess_id *e = session_row(s, session, err);
	if (!e)
		return err ? err->status : TB_ERR_DB;
	unsigned ci = car->car_index;
	bool car_known = ci < TB_MAX_CARS &&
			 (e->car_written & (1ull << ci)) &&
			 memcmp(&e->cars[ci], car, sizeof(*car)) == 0;
	if (!car_known) {
		st = store_car_put(s->st, e->id, car, err);
		if (st != TB_OK)
			return st;
		if (ci < TB_MAX_CARS) {
			e->cars[ci] = *car;
			e->car_written |= 1ull << ci;
		}
	}
	return store_lap_put(s->st, e->id, lap, lap_id, err);
}

enum tb_status srv_sink_write(struct srv_sink *s,
			      const struct ingest_lap_job *job,
			      struct tb_error *err)
{
	int64_t lap_id;
	return srv_sink_put(s, &job->session, &job->car, &job->lap, &lap_id,
			    err);
}

struct import_ctx {
	struct srv_sink *sink;
	struct srv_import_result *res;
	enum tb_status first_err;
	struct tb_error err;
};

static void import_lap(void *ctx, struct ingest_lap_job *job)
{
	struct import_ctx *ic = ctx;
	struct tb_error e;
	if (srv_sink_write(ic->sink, job, &e) != TB_OK &&
	    ic->first_err == TB_OK) {
		ic->first_err = e.status;
		ic->err = e;
	}
}

#define IMPORT_STREAMS 8

struct stream {
	uint16_t dst_port;
	struct ingest_port *in;
};

static struct ingest_port *stream_for(struct stream *st, size_t *n,
				      uint16_t dst_port, struct import_ctx *ic)
{
	for (size_t i = 0; i < *n; i++)
		if (st[i].dst_port == dst_port)
			return st[i].in;
	if (*n == IMPORT_STREAMS)
		return NULL;
	if (ingest_port_create(NULL, NULL, import_lap, ic, &st[*n].in) !=
	    TB_OK)
		return NULL;
	st[*n].dst_port = dst_port;
	return st[(*n)++].in;
}

enum tb_status srv_import_pcap(struct store *st, const char *path,
			       uint16_t dst_port,
			       struct srv_import_result *res,
			       struct tb_error *err)
{
	struct fmt_pcap_reader *rd = NULL;
	struct stream streams[IMPORT_STREAMS];
	size_t n_streams = 0;
	struct import_ctx ic = {.res = res, .first_err = TB_OK};
	enum tb_status rc;
	memset(res, 0, sizeof(*res));

	rc = srv_sink_create(st, &ic.sink);
	if (rc != TB_OK)
		return tb_fail(err, rc, "import: %s", tb_strerror(rc));
	rc = fmt_pcap_reader_open(path, &rd, err);
	if (rc != TB_OK)
		goto out;
	for (;;) {
		struct fmt_udp_datagram d;
		rc = fmt_pcap_next(rd, &d, err);
		if (rc == TB_ERR_EMPTY)
			break;
		if (rc != TB_OK)
			goto out;
		if (dst_port && d.dst_port != dst_port)
			continue;
		res->datagrams++;
		struct ingest_port *in =
			stream_for(streams, &n_streams, d.dst_port, &ic);
		if (!in || ingest_port_datagram(in, d.payload, d.len, d.ts_us,
						NULL) != TB_OK)
			res->rejected++;
		if (ic.first_err != TB_OK)
			break;
	}
	rc = TB_OK;
	size_t used = 0;
	for (size_t i = 0; i < n_streams; i++) {
		ingest_port_flush(streams[i].in);
		struct ingest_stats s;
		ingest_port_stats(streams[i].in, &s);
		res->laps += s.laps;
		res->laps_incomplete += s.laps_incomplete;
		res->sessions += s.sessions;
		const struct ingest_proto *pr = ingest_port_proto(streams[i].in);
		if (pr && used < sizeof(res->protos))
			used += (size_t)snprintf(res->protos + used,
						 sizeof(res->protos) - used,
						 "%s%s", used ? "," : "",
						 pr->name);
	}
	if (ic.first_err != TB_OK) {
		rc = ic.first_err;
		if (err)
			*err = ic.err;
	}
out:
	for (size_t i = 0; i < n_streams; i++)
		ingest_port_destroy(streams[i].in);
	fmt_pcap_reader_close(rd);
	srv_sink_destroy(ic.sink);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Recorded files. */

struct file_ctx {
	struct srv_sink *sink;
	struct store *st;
	struct srv_import_result *res;
	uint64_t uid_base;
};

static enum tb_status file_lap(void *ctx, const struct tb_session_info *s,
			       const struct tb_car_info *car,
			       struct tb_lap *lap,
			       const struct fmt_lap_meta *meta)
{
	struct file_ctx *fc = ctx;
	int64_t lap_id;
	struct tb_error e;
	struct tb_car_info c = *car;
	if (!c.car[0] && meta && meta->car[0])
		snprintf(c.car, sizeof(c.car), "%s", meta->car);
	enum tb_status st = srv_sink_put(fc->sink, s, &c, lap, &lap_id, &e);
	if (st != TB_OK)
		return st;
	if (lap->flags & TB_LAP_INCOMPLETE)
		fc->res->laps_incomplete++;
	else
		fc->res->laps++;
	if (meta && meta->reference) {
		enum tb_car_class cls = s->car_class;
		st = store_ref_put(fc->st, lap_id, car->driver, cls,
				   meta->source[0] ? meta->source : "file", &e);
	}
	return st;
}

enum tb_status srv_import_file(struct store *st, const char *path,
			       const struct srv_import_opts *opts,
			       struct srv_import_result *res,
			       struct tb_error *err)
{
	static const struct srv_import_opts none;
	if (!opts)
		opts = &none;
	memset(res, 0, sizeof(*res));
	struct stat sb;
	if (stat(path, &sb) != 0)
		return tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			       strerror(errno));
	bool dir = S_ISDIR(sb.st_mode);
	const struct fmt_importer *imp = NULL;
	struct fmt_csv_options csv;
	if (!dir) {
		uint8_t head[64] = {0};
		FILE *f = fopen(path, "rb");
		if (!f)
			return tb_fail(err, TB_ERR_IO, "%s: cannot open", path);
		size_t got = fread(head, 1, sizeof(head), f);
		fclose(f);
		if (fmt_pcap_sniff(head, got))
			return srv_import_pcap(st, path, opts->dst_port, res,
					       err);
		if (opts->csv_map) {
			memset(&csv, 0, sizeof(csv));
			enum tb_status ms =
				fmt_csv_parse_map(opts->csv_map, &csv, err);
			if (ms != TB_OK)
				return ms;
			imp = &fmt_importer_csv;
		} else {
			imp = fmt_detect(path, err);
			if (!imp)
				return err ? err->status : TB_ERR_FORMAT;
		}
	}
	snprintf(res->protos, sizeof(res->protos), "%s",
		 dir ? "f1-tracinginsights" : imp->name);
	struct file_ctx fc = {.st = st, .res = res};
	enum tb_status rc = srv_sink_create(st, &fc.sink);
	if (rc != TB_OK)
		return tb_fail(err, rc, "import: %s", tb_strerror(rc));
	rc = store_batch_begin(st, err);
	if (rc == TB_OK) {
		if (dir)
			rc = fmt_f1ti_import_dir(path, file_lap, &fc,
						 opts->progress, err);
		else if (opts->csv_map)
			rc = fmt_csv_import_opts(path, &csv, file_lap, &fc,
						 opts->progress, err);
		else
			rc = imp->import(path, file_lap, &fc, opts->progress,
					 err);
		enum tb_status end = store_batch_end(st, rc == TB_OK, NULL);
		if (rc == TB_OK && end != TB_OK)
			rc = tb_fail(err, end, "%s: storing failed", path);
	}
	if (rc != TB_OK)
		res->laps = res->laps_incomplete = 0; /* rolled back */
	else
		res->sessions = 1;
	srv_sink_destroy(fc.sink);
	return rc;
}

enum tb_status srv_import_openf1(struct store *st,
				 const struct openf1_config *cfg,
				 int session_key, int driver_number,
				 struct srv_import_result *res,
				 struct tb_error *err)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->protos, sizeof(res->protos), "openf1");
	struct openf1 *c = NULL;
	enum tb_status rc = openf1_create(cfg, &c, err);
	if (rc != TB_OK)
		return rc;
	struct file_ctx fc = {.st = st, .res = res};
	rc = srv_sink_create(st, &fc.sink);
	if (rc != TB_OK) {
		openf1_destroy(c);
		return tb_fail(err, rc, "openf1: %s", tb_strerror(rc));
	}
	rc = store_batch_begin(st, err);
	if (rc == TB_OK) {
		rc = openf1_import_laps(c, session_key, driver_number,
					file_lap, &fc, err);
		enum tb_status end = store_batch_end(st, rc == TB_OK, NULL);
		if (rc == TB_OK && end != TB_OK)
			rc = tb_fail(err, end, "openf1: storing failed");
	}
	if (rc != TB_OK)
		res->laps = res->laps_incomplete = 0;
	else
		res->sessions = 1;
	srv_sink_destroy(fc.sink);
	openf1_destroy(c);
	return rc;
}
