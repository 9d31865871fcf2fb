/* config.c - the daemon's configuration: defaults, port specs from flags
 * ("20777", "5300/forza", GT7 consoles, AC hosts) and a "key = value"
 * config file with errors that name the file and line. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void srv_config_default(struct srv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->db_url, sizeof(cfg->db_url), "trailbrake.db");
	snprintf(cfg->udp_addr, sizeof(cfg->udp_addr), "0.0.0.0");
	snprintf(cfg->http_addr, sizeof(cfg->http_addr), "127.0.0.1");
	cfg->http_port = 8080;
	cfg->queue_laps = 1024;
}

static bool parse_port(const char *s, size_t n, uint16_t *out)
{
	if (n == 0 || n > 5)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

static bool parse_ip(const char *s, size_t n, uint32_t *out)
{
	char host[64];
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	struct in_addr a;
	if (inet_pton(AF_INET, host, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static struct srv_port_cfg *new_port(struct srv_config *cfg,
				     struct tb_error *err)
{
	if (cfg->n_ports >= SRV_MAX_PORTS) {
		tb_fail(err, TB_ERR_LIMIT, "at most %d telemetry ports",
			SRV_MAX_PORTS);
		return NULL;
	}
	struct srv_port_cfg *p = &cfg->ports[cfg->n_ports];
	memset(p, 0, sizeof(*p));
	return p;
}

enum tb_status srv_config_add_udp(struct srv_config *cfg, const char *spec,
				  struct tb_error *err)
{
	struct srv_port_cfg *p = new_port(cfg, err);
	if (!p)
		return TB_ERR_LIMIT;
	const char *slash = strchr(spec, '/');
	size_t n = slash ? (size_t)(slash - spec) : strlen(spec);
	if (!parse_port(spec, n, &p->port) || p->port == 0)
		return tb_fail(err, TB_ERR_ARG,
			       "udp '%s': expected PORT or PORT/PROTOCOL", spec);
	if (slash && strcmp(slash + 1, "auto") != 0) {
		p->proto = ingest_proto_by_name(slash + 1);
		if (!p->proto) {
			size_t np;
			const struct ingest_proto *const *all =
				ingest_protocols(&np);
			char names[256] = "";
			size_t used = 0;
			for (size_t i = 0; i < np && used < sizeof(names); i++)
				used += (size_t)snprintf(
					names + used, sizeof(names) - used,
					"%s%s", i ? ", " : "", all[i]->name);
			return tb_fail(err, TB_ERR_ARG,
				       "udp '%s': unknown protocol '%s' "
				       "(known: %s, auto)",
				       spec, slash + 1, names);
		}
	}
	cfg->n_ports++;
	return TB_OK;
}

enum tb_status srv_config_add_gt7(struct srv_config *cfg, const char *spec,
				  struct tb_error *err)
{
	const struct ingest_proto *gt7 = ingest_proto_by_name("gt7");
	if (!gt7)
		return tb_fail(err, TB_ERR_UNSUPPORTED,
			       "gt7: protocol not built in");
	struct srv_port_cfg *p = new_port(cfg, err);
	if (!p)
		return TB_ERR_LIMIT;
	const char *slash = strchr(spec, '/');
	size_t n = slash ? (size_t)(slash - spec) : strlen(spec);
	if (!parse_ip(spec, n, &p->opts.peer_ip))
		return tb_fail(err, TB_ERR_ARG,
			       "gt7 '%s': expected the console's IPv4 address"
			       "[/A|B|~]",
			       spec);
	p->opts.variant = 'A';
	if (slash) {
		if (strlen(slash + 1) != 1 || !strchr("AB~", slash[1]))
			return tb_fail(err, TB_ERR_ARG,
				       "gt7 '%s': variant must be A, B or ~",
				       spec);
		p->opts.variant = slash[1];
	}
	p->port = 33740; /* the console answers the heartbeat here */
	p->proto = gt7;
	cfg->n_ports++;
	return TB_OK;
}

enum tb_status srv_config_add_ac(struct srv_config *cfg, const char *spec,
				 struct tb_error *err)
{
	const struct ingest_proto *ac = ingest_proto_by_name("ac");
	if (!ac)
		return tb_fail(err, TB_ERR_UNSUPPORTED,
			       "ac: protocol not built in");
	struct srv_port_cfg *p = new_port(cfg, err);
	if (!p)
		return TB_ERR_LIMIT;
	const char *colon = strrchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (!parse_ip(spec, n, &p->opts.peer_ip) ||
	    (colon && !parse_port(colon + 1, strlen(colon + 1),
				  &p->opts.peer_port)))
		return tb_fail(err, TB_ERR_ARG,
			       "ac '%s': expected HOST or HOST:PORT", spec);
	p->port = 0; /* any local port: AC answers the sender */
	p->proto = ac;
	cfg->n_ports++;
	return TB_OK;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
		     s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static enum tb_status set_str(char *dst, size_t cap, const char *v,
			      const char *key, struct tb_error *err)
{
	if (strlen(v) >= cap)
		return tb_fail(err, TB_ERR_LIMIT, "%s: value too long", key);
	snprintf(dst, cap, "%s", v);
	return TB_OK;
}

static enum tb_status set_num(long *out, const char *v, long lo, long hi,
			      const char *key, struct tb_error *err)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || *end || end == v || x < lo || x > hi)
		return tb_fail(err, TB_ERR_ARG,
			       "%s: '%s' is not a number in %ld..%ld", key, v,
			       lo, hi);
	*out = x;
	return TB_OK;
}

static enum tb_status apply(struct srv_config *cfg, const char *k,
			    const char *v, struct tb_error *err)
{
	long x = 0;
	enum tb_status st;
	if (!strcmp(k, "db"))
		return set_str(cfg->db_url, sizeof(cfg->db_url), v, k, err);
	if (!strcmp(k, "record"))
		return set_str(cfg->record_path, sizeof(cfg->record_path), v,
			       k, err);
	if (!strcmp(k, "wrc_schema"))
		return set_str(cfg->wrc_schema, sizeof(cfg->wrc_schema), v, k,
			       err);
	if (!strcmp(k, "bind"))
		return set_str(cfg->udp_addr, sizeof(cfg->udp_addr), v, k, err);
	if (!strcmp(k, "http_bind"))
		return set_str(cfg->http_addr, sizeof(cfg->http_addr), v, k,
			       err);
	if (!strcmp(k, "http")) {
		if ((st = set_num(&x, v, 0, 65535, k, err)) != TB_OK)
			return st;
		cfg->http_port = (uint16_t)x;
		return TB_OK;
	}
	if (!strcmp(k, "queue")) {
		if ((st = set_num(&x, v, 2, 1 << 20, k, err)) != TB_OK)
			return st;
		if (x & (x - 1))
			return tb_fail(err, TB_ERR_ARG,
				       "queue: %ld is not a power of two", x);
		cfg->queue_laps = (unsigned)x;
		return TB_OK;
	}
	if (!strcmp(k, "verbose")) {
		cfg->verbose = !strcmp(v, "1") || !strcmp(v, "true") ||
			       !strcmp(v, "yes");
		return TB_OK;
	}
	if (!strcmp(k, "udp"))
		return srv_config_add_udp(cfg, v, err);
	if (!strcmp(k, "gt7"))
		return srv_config_add_gt7(cfg, v, err);
	if (!strcmp(k, "ac"))
		return srv_config_add_ac(cfg, v, err);
	return tb_fail(err, TB_ERR_ARG, "unknown setting '%s'", k);
}

enum tb_status srv_config_load(struct srv_config *cfg, const char *path,
			       struct tb_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			       strerror(errno));
	char line[512];
	unsigned no = 0;
	enum tb_status st = TB_OK;
	while (st == TB_OK && fgets(line, sizeof(line), f)) {
		no++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			st = tb_fail(err, TB_ERR_LIMIT, "%s:%u: line too long",
				     path, no);
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			st = tb_fail(err, TB_ERR_ARG,
				     "%s:%u: expected 'key = value'", path, no);
			break;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		struct tb_error e;
		st = apply(cfg, k, v, &e);
		if (st != TB_OK)
			tb_fail(err, st, "%s:%u: %s", path, no, e.msg);
	}
	fclose(f);
	return st;
}
