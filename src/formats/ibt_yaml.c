/* ibt_yaml.c - a reader for the YAML subset iRacing writes into its
 * session info: maps nested by indentation, lists of "- " items (iRacing
 * puts the dash at its key's indentation), plain and quoted scalars. It is
 * line based and never fails on bad input: a line it cannot read is
 * skipped, so a damaged text yields fewer keys, not an error. */
#include "ibt.h"

#include <math.h>
#include <stdlib.h>

#define YAML_DEPTH_MAX 128 /* open levels; deeper lines attach, no push */

struct ynode {
	const char *key; /* into the owned text; "" for items and root */
	const char *val; /* "" when the node holds children */
	int parent, first, last, next;
	uint32_t n_children;
};

struct ibt_yaml {
	char *text; /* owned copy, NUL-terminated, cut into keys/values */
	struct ynode *nodes;
	size_t n, cap;
};

struct level {
	int node;
	int ind;   /* column of the key, or of the dash for an item */
	bool item; /* a list item */
};

struct parser {
	struct ibt_yaml *y;
	struct level st[YAML_DEPTH_MAX];
	size_t depth;
};

static enum tb_status add_node(struct ibt_yaml *y, int parent, const char *key,
			       const char *val, int *out)
{
	if (y->n == y->cap) {
		size_t ncap = y->cap ? y->cap * 2 : 256;
		if (ncap > IBT_YAML_NODES_MAX)
			ncap = IBT_YAML_NODES_MAX;
		if (ncap <= y->n)
			return TB_ERR_LIMIT;
		struct ynode *nn = tb_realloc(y->nodes, ncap * sizeof(*nn));
		if (!nn)
			return TB_ERR_NOMEM;
		y->nodes = nn;
		y->cap = ncap;
	}
	int id = (int)y->n++;
	struct ynode *nd = &y->nodes[id];
	nd->key = key;
	nd->val = val;
	nd->parent = parent;
	nd->first = nd->last = nd->next = -1;
	nd->n_children = 0;
	if (parent >= 0) {
		struct ynode *p = &y->nodes[parent];
		if (p->last >= 0)
			y->nodes[p->last].next = id;
		else
			p->first = id;
		p->last = id;
		p->n_children++;
	}
	*out = id;
	return TB_OK;
}

static void push(struct parser *ps, int node, int ind, bool item)
{
	if (ps->depth == YAML_DEPTH_MAX)
		return;
	ps->st[ps->depth].node = node;
	ps->st[ps->depth].ind = ind;
	ps->st[ps->depth].item = item;
	ps->depth++;
}

/* Strip quotes in place: "a \"b\"" and 'it''s'; plain scalars as is. */
static char *unquote(char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		char *w = s;
		for (size_t i = 1; i + 1 < n; i++) {
			if (s[i] == '\\' && i + 2 < n)
				i++;
			*w++ = s[i];
		}
		*w = '\0';
	} else if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') {
		char *w = s;
		for (size_t i = 1; i + 1 < n; i++) {
			if (s[i] == '\'' && s[i + 1] == '\'' && i + 2 < n)
				i++;
			*w++ = s[i];
		}
		*w = '\0';
	}
	return s;
}

/* "Key: value" or "Key:" at s; false if the line holds no key. */
static bool split_kv(char *s, char **key, char **val)
{
	char *c = s;
	for (; *c; c++)
		if (c[0] == ':' && (c[1] == ' ' || c[1] == '\0'))
			break;
	if (!*c || c == s)
		return false;
	char *v = c + 1;
	*c = '\0';
	for (char *e = c; e > s && e[-1] == ' '; e--)
		e[-1] = '\0';
	while (*v == ' ')
		v++;
	*key = s;
	*val = unquote(v);
	return **key != '\0';
}

static enum tb_status key_line(struct parser *ps, char *s, int col)
{
	while (ps->st[ps->depth - 1].ind >= col)
		ps->depth--;
	char *key, *val;
	if (!split_kv(s, &key, &val))
		return TB_OK; /* continuation or junk: skipped */
	int id;
	enum tb_status st =
	    add_node(ps->y, ps->st[ps->depth - 1].node, key, val, &id);
	if (st == TB_OK)
		push(ps, id, col, false);
	return st;
}

static enum tb_status item_line(struct parser *ps, char *line, char *s, int col)
{
	while (ps->st[ps->depth - 1].ind > col ||
	       (ps->st[ps->depth - 1].ind == col && ps->st[ps->depth - 1].item))
		ps->depth--;
	int id;
	enum tb_status st =
	    add_node(ps->y, ps->st[ps->depth - 1].node, "", "", &id);
	if (st != TB_OK)
		return st;
	push(ps, id, col, true);
	char *rest = s + 1;
	while (*rest == ' ')
		rest++;
	if (!*rest)
		return TB_OK;
	char *key, *val;
	char *probe = rest;
	for (; *probe; probe++)
		if (probe[0] == ':' && (probe[1] == ' ' || probe[1] == '\0'))
			break;
	if (!*probe || probe == rest) {
		ps->y->nodes[id].val = unquote(rest); /* scalar item */
		return TB_OK;
	}
	int kcol = (int)(rest - line);
	if (!split_kv(rest, &key, &val))
		return TB_OK;
	int kid;
	st = add_node(ps->y, id, key, val, &kid);
	if (st == TB_OK && ps->st[ps->depth - 1].node == id)
		push(ps, kid, kcol, false);
	return st;
}

static enum tb_status parse_line(struct parser *ps, char *line)
{
	int col = 0;
	while (line[col] == ' ' || line[col] == '\t')
		col++; /* bounded: a line is shorter than IBT_YAML_MAX */
	char *s = line + col;
	if (!*s || *s == '#')
		return TB_OK;
	if (col == 0 && (!strncmp(s, "---", 3) || !strncmp(s, "...", 3)))
		return TB_OK;
	if (s[0] == '-' && (s[1] == ' ' || s[1] == '\0'))
		return item_line(ps, line, s, col);
	return key_line(ps, s, col);
}

enum tb_status ibt_yaml_parse(const char *text, size_t len,
			      struct ibt_yaml **out)
{
	*out = NULL;
	if (len > IBT_YAML_MAX)
		return TB_ERR_LIMIT;
	len = strnlen(text, len);
	struct ibt_yaml *y = tb_calloc(1, sizeof(*y));
	struct parser *ps = tb_malloc(sizeof(*ps));
	enum tb_status st = TB_ERR_NOMEM;
	if (!y || !ps)
		goto fail;
	y->text = tb_malloc(len + 1);
	if (!y->text)
		goto fail;
	memcpy(y->text, text, len);
	y->text[len] = '\0';
	int root;
	st = add_node(y, -1, "", "", &root);
	if (st != TB_OK)
		goto fail;
	ps->y = y;
	ps->depth = 0;
	push(ps, root, -1, false);
	char *p = y->text, *end = y->text + len;
	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		*eol = '\0';
		for (char *e = eol;
		     e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t');
		     e--)
			e[-1] = '\0';
		st = parse_line(ps, p);
		if (st != TB_OK)
			goto fail;
		p = eol + 1;
	}
	tb_free(ps);
	*out = y;
	return TB_OK;
fail:
	tb_free(ps);
	ibt_yaml_destroy(y);
	return st;
}

void ibt_yaml_destroy(struct ibt_yaml *y)
{
	if (!y)
		return;
	tb_free(y->nodes);
	tb_free(y->text);
	tb_free(y);
}

static bool valid(const struct ibt_yaml *y, int node)
{
	return y && node >= 0 && (size_t)node < y->n;
}

static int child_key(const struct ibt_yaml *y, int node, const char *key,
		     size_t klen)
{
	for (int c = y->nodes[node].first; c >= 0; c = y->nodes[c].next) {
		const char *k = y->nodes[c].key;
		if (strlen(k) == klen && memcmp(k, key, klen) == 0)
			return c;
	}
	return -1;
}

static int child_at(const struct ibt_yaml *y, int node, unsigned long i)
{
	int c = y->nodes[node].first;
	while (c >= 0 && i > 0) {
		c = y->nodes[c].next;
		i--;
	}
	return c;
}

int ibt_yaml_get(const struct ibt_yaml *y, int from, const char *path)
{
	if (!valid(y, from) || !path)
		return -1;
	int node = from;
	const char *p = path;
	while (*p && node >= 0) {
		size_t klen = strcspn(p, ".[");
		if (klen > 0)
			node = child_key(y, node, p, klen);
		p += klen;
		while (*p == '[' && node >= 0) {
			char *e;
			unsigned long i = strtoul(p + 1, &e, 10);
			if (e == p + 1 || *e != ']')
				return -1;
			node = child_at(y, node, i);
			p = e + 1;
		}
		if (*p == '.')
			p++;
		else if (*p)
			return -1;
	}
	return node;
}

int ibt_yaml_item_where(const struct ibt_yaml *y, int list, const char *key,
			const char *value)
{
	if (!valid(y, list) || !key || !value)
		return -1;
	for (int c = y->nodes[list].first; c >= 0; c = y->nodes[c].next) {
		int k = child_key(y, c, key, strlen(key));
		if (k >= 0 && strcmp(y->nodes[k].val, value) == 0)
			return c;
	}
	return -1;
}

size_t ibt_yaml_n_children(const struct ibt_yaml *y, int node)
{
	return valid(y, node) ? y->nodes[node].n_children : 0;
}

const char *ibt_yaml_str(const struct ibt_yaml *y, int node)
{
	return valid(y, node) ? y->nodes[node].val : NULL;
}

bool ibt_yaml_num(const struct ibt_yaml *y, int node, double *out,
		  const char **unit)
{
	if (!valid(y, node))
		return false;
	const char *s = y->nodes[node].val;
	char *e;
	double v = strtod(s, &e);
	if (e == s || !isfinite(v))
		return false;
	while (*e == ' ')
		e++;
	*out = v;
	if (unit)
		*unit = e;
	return true;
}
